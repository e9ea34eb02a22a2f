// babel-jest turns the ES modules of @jupyterlab/* and friends into CommonJS for jest; the build uses tsc.
module.exports = require('@jupyterlab/testing/lib/babel-config').default;
