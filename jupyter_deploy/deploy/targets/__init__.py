"""Where a deployment runs. Each target owns its deployment configuration, its service class and its deploy call;
`deploy.flow` picks the target from the configuration's type, as Azure did."""
