"""Training data from documents: teacher Q/A, extractive Q/A and cloze, paraphrases, RAFT, chat JSONL."""

from ragtune.synth.build import TrainingSet, build_training_set
from ragtune.synth.dataset import (Split, document_messages, qa_messages, read_chat_jsonl, split_by_fact,
                                   write_chat_jsonl, write_questions_jsonl)
from ragtune.errors import SynthError
from ragtune.synth.extractive import extractive_pairs
from ragtune.synth.pairs import QAPair, StrategyYield
from ragtune.synth.paraphrase import Paraphrase, check_paraphrase, paraphrases
from ragtune.synth.parse import parse_qa_output
from ragtune.synth.qa import teacher_pairs
from ragtune.synth.raft import RaftExample, raft_examples
from ragtune.synth.user_data import load_chat, load_questions
from ragtune.synth.validate import Limits, check_pair, check_support

__all__ = ["Limits", "Paraphrase", "QAPair", "RaftExample", "Split", "StrategyYield", "SynthError", "TrainingSet",
           "build_training_set", "check_pair", "check_paraphrase", "check_support", "document_messages",
           "extractive_pairs", "load_chat", "load_questions", "paraphrases", "parse_qa_output", "qa_messages",
           "raft_examples", "read_chat_jsonl", "split_by_fact", "teacher_pairs", "write_chat_jsonl",
           "write_questions_jsonl"]
