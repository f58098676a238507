"""Text to search terms, the same way for products (indexing) and for what visitors type.

``terms(text)`` normalises (NFKD, accents dropped, case folded), splits on anything that
is not a letter or a digit, drops tokens shorter than two characters, longer than
``MAX_TOKEN_LENGTH`` and a short list of English stop words, and stems each token with the
Snowball English stemmer: "templates" and "template" are both ``templat``. Each term
keeps its surface form too (the normalised word as written), which the vocabulary uses
for prefix matches and "did you mean" suggestions.
"""

import html
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MIN_TOKEN_LENGTH = 2
# Longer runs of letters are codes, hashes or junk, not words anybody types.
MAX_TOKEN_LENGTH = 40

# Lucene's English stop words: too common to tell products apart.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)

# Letters and digits of any script; "_" is a word character for \w but not for us.
TOKEN = re.compile(r"[^\W_]+")
TAG = re.compile(r"<[^>]*>")

_stemmer = snowballstemmer.stemmer("english")


def normalise(text):
    """Lowercase ``text`` without accents: "Café Crème" -> "cafe creme"."""
    if text.isascii():
        # Nothing to decompose: a hundred times faster, and most text is ASCII.
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=200_000)
def stem(word):
    """The stem of a normalised word (cached: a catalogue repeats the same few thousand)."""
    return _stemmer.stemWord(word)


def words(text):
    """The normalised tokens of ``text`` worth searching for, in order, repeats kept."""
    return [
        word
        for word in TOKEN.findall(normalise(text))
        if MIN_TOKEN_LENGTH <= len(word) <= MAX_TOKEN_LENGTH and word not in STOP_WORDS
    ]


def terms(text):
    """``(stem, word)`` for each token of ``text`` worth searching for, in order."""
    return [(stem(word), word) for word in words(text)]


def html_to_text(markup):
    """The text of rich-text HTML: tags become spaces (so "<p>a</p><p>b</p>" is two
    words), entities are decoded. Not a sanitiser: only what the tokenizer needs."""
    return html.unescape(TAG.sub(" ", markup or ""))
