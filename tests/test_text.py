from ragtune.text import (CITATION_STOPWORDS, STOPWORDS, canonical_number, content_tokens, content_words,
                          normalize_text, numbers, squad_normalize, tokens)


def test_numbers_compare_as_numbers():
    assert canonical_number("1,000") == "1000" and canonical_number("1.50") == "1.5"
    assert canonical_number("four") == "4" and canonical_number("8:00") == "8:00"
    assert canonical_number("warranty") is None
    assert normalize_text("Four weeks") == normalize_text("4.0 weeks") == "4 weeks"
    assert numbers("It costs 1,000 euros for two years") == {"1000", "2"}


def test_tokens_fold_case_accents_and_articles():
    assert tokens("The Café’s menu, an ÉTÉ special") == ["cafe", "s", "menu", "ete", "special"]


def test_content_words_drop_stopwords_but_keep_numbers():
    assert content_words("What is the warranty of these 3 units?") == ["warranty", "3", "units"]


def test_citation_attribution_ignores_only_function_words():
    # The narrower list is what attributed citations have always been measured with: pronouns and
    # negations still count there ("not" can decide which passage an answer came from).
    assert CITATION_STOPWORDS < STOPWORDS
    assert content_tokens("It is not in the Berlin office") == {"not", "berlin", "office"}
    assert "not" not in content_words("It is not in the Berlin office")


def test_squad_normalize_is_the_official_one():
    assert squad_normalize("The  Eiffel-Tower!") == "eiffeltower"
    assert squad_normalize("An apple, a day") == "apple day"
