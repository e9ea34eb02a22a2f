import json
import os
import pickle
import time

from gensim.models.word2vec import Word2Vec
from keras.models import load_model
from keras.preprocessing.sequence import pad_sequences

# SENTIMENT
POSITIVE = "POSITIVE"
NEGATIVE = "NEGATIVE"
NEUTRAL = "NEUTRAL"
SENTIMENT_THRESHOLDS = (0.4, 0.7)

# KERAS
SEQUENCE_LENGTH = 300


def init():
    global model, tokenizer, encoder, w2v_model

    # AZUREML_MODEL_DIR is the registered model's version folder; the model was
    # registered from a local "models" folder, so the files sit under ./models.
    model_dir = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "./models")

    model = load_model(os.path.join(model_dir, "model.h5"))
    w2v_model = Word2Vec.load(os.path.join(model_dir, "model.w2v"))
    with open(os.path.join(model_dir, "tokenizer.pkl"), "rb") as handle:
        tokenizer = pickle.load(handle)
    with open(os.path.join(model_dir, "encoder.pkl"), "rb") as handle:
        encoder = pickle.load(handle)


def decode_sentiment(score, include_neutral=True):
    if include_neutral:
        label = NEUTRAL
        if score <= SENTIMENT_THRESHOLDS[0]:
            label = NEGATIVE
        elif score >= SENTIMENT_THRESHOLDS[1]:
            label = POSITIVE

        return label
    else:
        return NEGATIVE if score < 0.5 else POSITIVE


def predict(text, include_neutral=True):
    start_at = time.time()
    # Tokenize text
    x_test = pad_sequences(tokenizer.texts_to_sequences([text]), maxlen=SEQUENCE_LENGTH)
    # Predict
    score = model.predict([x_test])[0]
    # Decode sentiment
    label = decode_sentiment(score, include_neutral=include_neutral)

    # float() on the 1-element array is what the sample does; numpy >= 2.4 rejects
    # it, which is why myenv.yml pins numpy<2.4.
    return {"label": label, "score": float(score), "elapsed_time": time.time() - start_at}


def run(data):
    try:
        data = json.loads(data)
        result = predict(data["text"])
        return result
    except Exception as e:
        error = str(e)
        return error
