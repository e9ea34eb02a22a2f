"""Train the small Twitter-style sentiment model the Azure "deploy an existing model" sample serves.

The sample ships a Sentiment140 model (keras + gensim word2vec + a pickled Keras 2
Tokenizer + a pickled LabelEncoder). Weights cannot be downloaded here, so this
module trains a tiny model of the same shape on a synthetic, seeded corpus and
writes the same four files the sample's ``score.py`` loads from ``models/``.

Usage: ``python make_model.py TARGET_DIR``  ->  ``TARGET_DIR/models/{model.h5,model.w2v,tokenizer.pkl,encoder.pkl}``
"""

from __future__ import annotations

import os
import pickle
import random
import sys
from pathlib import Path

SEQUENCE_LENGTH = 300  # the sample pads every tweet to 300 tokens
W2V_SIZE = 32
W2V_WINDOW = 5
W2V_EPOCHS = 20
TRAIN_EPOCHS = 6
BATCH_SIZE = 64
SENTENCES_PER_CLASS = 1000  # 3,000 sentences in all

POSITIVE = "POSITIVE"
NEGATIVE = "NEGATIVE"
NEUTRAL = "NEUTRAL"

# Words both classes share, so the model has to key on the sentiment words.
NOUNS = [
    "day", "morning", "weekend", "movie", "game", "food", "weather", "phone", "show",
    "trip", "song", "coffee", "class", "party", "book", "meeting", "update", "team",
    "service", "concert", "match", "dinner", "flight", "album", "episode",
]
TIMES = ["today", "tonight", "this morning", "yesterday", "this weekend", "right now", "today"]
INTENSIFIERS = ["so", "really", "very", "truly", "just", "such a"]
MENTIONS = ["@anna", "@bob", "@mike", "@sara", "@team", "#friday", "#mood", "#life", "lol", "omg"]

POSITIVE_ADJECTIVES = [
    "great", "good", "amazing", "awesome", "wonderful", "fantastic", "excellent",
    "nice", "beautiful", "lovely", "perfect", "brilliant", "fun", "happy", "best",
]
POSITIVE_VERBS = ["love", "like", "enjoy", "adore", "enjoyed", "loved"]
POSITIVE_FEELINGS = ["happy", "glad", "excited", "grateful", "thrilled", "great"]

NEGATIVE_ADJECTIVES = [
    "worst", "bad", "awful", "terrible", "horrible", "boring", "annoying",
    "disappointing", "ugly", "broken", "miserable", "stupid", "sad", "lame", "useless",
]
NEGATIVE_VERBS = ["hate", "dislike", "hated", "despise", "regret"]
NEGATIVE_FEELINGS = ["sad", "angry", "upset", "tired", "annoyed", "miserable"]

NEUTRAL_ADJECTIVES = ["new", "long", "early", "late", "next", "usual", "second", "first", "same"]
NEUTRAL_VERBS = ["watched", "saw", "read", "booked", "bought", "started", "checked", "finished"]

POLAR_TEMPLATES = [
    "{time} is a {adj} day",
    "today is a {adj} day",
    "what a {adj} {noun}",
    "what a {adj} day",
    "this {noun} is {adj}",
    "the {noun} was {intens} {adj}",
    "this is the {sup}",
    "this is the {sup} {noun}",
    "this is the {sup}, i {verb} it",
    "i {verb} this {noun}",
    "i {verb} it",
    "i {verb} the {noun} {time}",
    "{adj} {noun} {time}",
    "feeling {feeling} {time}",
    "i am {intens} {feeling} about the {noun}",
    "{mention} the {noun} is {adj}",
    "{mention} i {verb} it {mention}",
    "it was a {adj} {noun}, i {verb} it!",
    "{time} was {intens} {adj}",
    "the {noun} {time} is {adj}!",
]
NEUTRAL_TEMPLATES = [
    "the {noun} is at {clock}",
    "i am going to the {noun} {time}",
    "{time} i have a {noun}",
    "this is a {adj} {noun}",
    "this is the {adj} {noun}",
    "the {noun} is {time}",
    "i {verb} the {noun} {time}",
    "it is a {adj} day",
    "today is a {adj} day",
    "is the {noun} {time}",
    "{mention} the {noun} starts at {clock}",
    "i {verb} it {time}",
    "what time is the {noun}",
    "{time} is the {adj} {noun}",
]
CLOCKS = ["noon", "nine", "ten", "five", "eight", "midnight", "seven"]


def _polar_sentence(rng: random.Random, adjectives, verbs, feelings, superlative: str) -> str:
    """One tweet-like sentence whose sentiment comes only from the class word lists."""
    template = rng.choice(POLAR_TEMPLATES)
    return template.format(
        time=rng.choice(TIMES),
        adj=rng.choice(adjectives),
        noun=rng.choice(NOUNS),
        intens=rng.choice(INTENSIFIERS),
        sup=rng.choice([superlative, rng.choice(adjectives)]),
        verb=rng.choice(verbs),
        feeling=rng.choice(feelings),
        mention=rng.choice(MENTIONS),
    )


def _neutral_sentence(rng: random.Random) -> str:
    """A factual sentence reusing the shared words (day, today, this, it) with no sentiment."""
    template = rng.choice(NEUTRAL_TEMPLATES)
    return template.format(
        time=rng.choice(TIMES),
        adj=rng.choice(NEUTRAL_ADJECTIVES),
        noun=rng.choice(NOUNS),
        verb=rng.choice(NEUTRAL_VERBS),
        clock=rng.choice(CLOCKS),
        mention=rng.choice(MENTIONS),
    )


def make_corpus(seed: int = 0, per_class: int = SENTENCES_PER_CLASS) -> tuple[list[str], list[str]]:
    """Seeded synthetic corpus: (texts, labels) with POSITIVE / NEGATIVE / NEUTRAL labels, shuffled."""
    rng = random.Random(seed)
    samples: list[tuple[str, str]] = []
    for _ in range(per_class):
        samples.append((_polar_sentence(rng, POSITIVE_ADJECTIVES, POSITIVE_VERBS, POSITIVE_FEELINGS, "best"), POSITIVE))
        samples.append((_polar_sentence(rng, NEGATIVE_ADJECTIVES, NEGATIVE_VERBS, NEGATIVE_FEELINGS, "worst"), NEGATIVE))
        samples.append((_neutral_sentence(rng), NEUTRAL))
    rng.shuffle(samples)
    texts = [text for text, _ in samples]
    labels = [label for _, label in samples]
    return texts, labels


def train_sentiment_model(seed: int = 0):
    """Train in memory; returns ``(model, w2v_model, tokenizer, encoder)`` — the live objects a notebook holds.

    Neutral sentences are trained towards 0.5 so the sample's (0.4, 0.7) thresholds have a NEUTRAL band to
    land in; the LabelEncoder only knows the two polar labels, as the Sentiment140 one did.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import keras
    import tensorflow as tf
    from gensim.models.word2vec import Word2Vec
    from sklearn.preprocessing import LabelEncoder
    from tf_keras.preprocessing.text import Tokenizer, text_to_word_sequence

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    texts, labels = make_corpus(seed)

    # Same tokenisation for word2vec and the Tokenizer so every indexed word has a vector.
    token_lists = [text_to_word_sequence(text) for text in texts]
    w2v_model = Word2Vec(
        vector_size=W2V_SIZE, window=W2V_WINDOW, min_count=1, workers=1, seed=seed
    )
    w2v_model.build_vocab(token_lists)
    w2v_model.train(token_lists, total_examples=len(token_lists), epochs=W2V_EPOCHS)

    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(texts)
    vocab_size = len(tokenizer.word_index) + 1

    encoder = LabelEncoder()
    encoder.fit([label for label in labels if label != NEUTRAL])
    targets = np.array(
        [0.5 if label == NEUTRAL else float(encoder.transform([label])[0]) for label in labels],
        dtype="float32",
    )

    sequences = keras.preprocessing.sequence.pad_sequences(
        tokenizer.texts_to_sequences(texts), maxlen=SEQUENCE_LENGTH
    )

    embedding_matrix = np.zeros((vocab_size, W2V_SIZE), dtype="float32")
    for word, index in tokenizer.word_index.items():
        if word in w2v_model.wv:
            embedding_matrix[index] = w2v_model.wv[word]

    # mask_zero + average pooling: the 300-token padding does not dilute a 6-word tweet.
    embedding = keras.layers.Embedding(vocab_size, W2V_SIZE, mask_zero=True, name="embedding")
    model = keras.Sequential(
        [
            keras.Input(shape=(SEQUENCE_LENGTH,), dtype="int32"),
            embedding,
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    embedding.set_weights([embedding_matrix])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01), metrics=["mae"])
    model.fit(sequences, targets, batch_size=BATCH_SIZE, epochs=TRAIN_EPOCHS, shuffle=True, verbose=0)
    return model, w2v_model, tokenizer, encoder


def make_sentiment_model(out_dir: str | Path, seed: int = 0) -> Path:
    """Train the model and write ``<out_dir>/models/`` with model.h5, model.w2v, tokenizer.pkl, encoder.pkl.

    Returns the ``models`` directory: the folder an Azure user registers with ``Model.register``.
    """
    model, w2v_model, tokenizer, encoder = train_sentiment_model(seed)
    models_dir = Path(out_dir) / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    model.save(models_dir / "model.h5")
    w2v_model.save(str(models_dir / "model.w2v"))
    with open(models_dir / "tokenizer.pkl", "wb") as handle:
        pickle.dump(tokenizer, handle, protocol=pickle.HIGHEST_PROTOCOL)
    with open(models_dir / "encoder.pkl", "wb") as handle:
        pickle.dump(encoder, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return models_dir


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python make_model.py TARGET_DIR")
    print(make_sentiment_model(sys.argv[1]))
