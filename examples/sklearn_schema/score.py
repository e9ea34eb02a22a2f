import os

import joblib
import numpy as np
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema


def init():
    global model
    # AZUREML_MODEL_DIR is the registered model's version folder; a model
    # registered from a single file sits directly inside it.
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl")
    model = joblib.load(model_path)


input_sample = np.array([[1.0, 2.0, 3.0, 4.0]])
output_sample = [14.5]


# The server passes the request body's "data" field as the `data` argument;
# inference-schema turns the JSON list back into a numpy array of the sample's shape.
@input_schema("data", NumpyParameterType(input_sample))
@output_schema(StandardPythonParameterType(output_sample))
def run(data):
    try:
        result = model.predict(data)
        # You can return any JSON-serializable data.
        return result.tolist()
    except Exception as e:
        error = str(e)
        return error
