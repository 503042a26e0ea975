from ragtune.synth.sentences import split_sentences
from ragtune.synth.validate import check_pair, check_support
from ragtune.text import normalize_text, tokens

from synth_fixtures import HISTORY, WARRANTY


def test_supported_answers_pass_with_numbers_compared_as_numbers():
    assert check_pair("How long is the standard warranty?", "3 years", WARRANTY) is None
    assert check_pair("How long is the standard warranty?", "three years", WARRANTY) is None
    assert check_pair("How many people work at the factory?", "240.0", HISTORY) is None


def test_unsupported_answers_are_rejected():
    assert check_pair("How long is the standard warranty?", "5 years", WARRANTY) == "answer number not in chunk"
    assert check_pair("Where are claims handled?", "the Rotterdam head office", WARRANTY) == \
        "answer not supported by chunk"
    assert check_support("Yes", WARRANTY) is not None


def test_copied_questions_and_giveaways_are_rejected():
    copy = "Every Brightwell appliance comes with a warranty of 3 years from the date of purchase?"
    assert check_pair(copy, "3 years", WARRANTY) is not None
    near_copy = "Kettles registered in the Brightwell Home app receive one extra year, for how many years?"
    assert check_pair(near_copy, "4 years", WARRANTY) == "question copies the chunk"
    assert check_pair(near_copy, "4 years", WARRANTY, allow_echo=True) is None
    assert check_pair("Is the warranty 3 years long?", "3 years", WARRANTY) == "question contains the answer"


def test_empty_and_insane_lengths_are_rejected():
    assert check_pair("", "3 years", WARRANTY) == "empty question"
    assert check_pair("How long is it?", "", WARRANTY) == "empty answer"
    assert check_pair("Why?", "3 years", WARRANTY) == "question too short"
    assert check_pair("What " * 50 + "?", "3 years", WARRANTY) == "question too long"


def test_normalisation_is_squad_like():
    assert normalize_text("The  Warranty, (1,000 euros)!") == normalize_text("warranty 1000 Euros")
    assert tokens("Café 3.0") == ["cafe", "3"]
    assert split_sentences("# Title\n\nOne sentence here. Another one, e.g. this.\n| a | b |") == [
        "One sentence here.", "Another one, e.g. this."]
