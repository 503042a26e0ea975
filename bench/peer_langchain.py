"""LangChain used the way its documentation recommends, for the head-to-head benchmark (bench/peers.py).

Setups:
- "index": the indexing API ("How to use the LangChain indexing API"): one `Document` per `Doc` with
  metadata {"source": Doc.id}, split by `RecursiveCharacterTextSplitter.from_huggingface_tokenizer` (MiniLM
  tokenizer, 256 / 32 tokens, as every tool here), embedded by `HuggingFaceEmbeddings` (langchain-huggingface;
  device cpu, normalize_embeddings=True, default batch size: 32 in sentence-transformers) into a persistent
  Chroma collection (langchain-chroma, telemetry off), with a `SQLRecordManager` (sqlite under `store`) and
  `index(..., cleanup="full", source_id_key="source")` for build and update alike.
  Why "full": the caller always passes the whole corpus, and "full" is the only documented mode that deletes the
  chunks of documents that are gone ("incremental" / "scoped_full" only clean sources seen in this run).
- "index-bf16": the same with the embedder in bfloat16 (NOT LangChain's default): how fast LangChain gets when
  configured like ragtune's bf16 embedding on CPUs with bf16 instructions.

Retrievers: "vector" = `vector_store.as_retriever(search_kwargs={"k": k})`; "bm25" = `BM25Retriever.from_documents`
(langchain-community, rank_bm25), which lives in memory only, so it is rebuilt from the chunks Chroma holds now
(`vector_store.get()`) on every `retrievers()` call; "hybrid" = `EnsembleRetriever([bm25, vector], [0.5, 0.5])`
(weighted reciprocal rank fusion, langchain-classic), cut to k. k is set per call the documented way
(`bm25.k = k`, the vector retriever's search_kwargs).
Answerer: the two-step RAG chain of the current RAG tutorial ("Build a RAG agent with LangChain", section "RAG
chains", variant "Returning source documents"): `create_agent(model, tools=[], middleware=[...])` whose
before_model middleware retrieves top_k chunks, appends them to the question and keeps them in state["context"].
The model is `ChatHuggingFace(llm=HuggingFacePipeline(pipeline=transformers.pipeline("text-generation", ...)))`,
so the generator's chat template is applied; greedy decoding.

Where LangChain could be configured faster or better than here (kept at the documented defaults):
- the embedder in bfloat16 (setup "index-bf16") or a larger `encode_kwargs["batch_size"]`;
- `index(batch_size=100)` embeds 100 chunks per `add_documents` call; larger batches mean fewer round trips;
- BM25Retriever's default `preprocess_func` is `str.split` (no lowercasing, punctuation kept); a real tokenizer
  would help BM25 and hybrid quality; the BM25 index is rebuilt in memory per process (not persisted);
- `key_encoder` stays at the default sha1 (the docs suggest sha256/blake2b where collisions matter; same speed).
Known weak spot (langchain issue #39937): `index()` trusts the record manager only; chunks it tracks but the vector
store lost are reported as skipped forever. `stored_chunks` therefore counts Chroma itself, and
`tracked_chunks` counts the record manager, so a caller can compare the two.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from peer_api import Answerer, Doc, Models, Passage, Reply, Retriever

SETUPS = ("index", "index-bf16")
COLLECTION = "peer_bench"
NAMESPACE = f"chroma/{COLLECTION}"  # the record manager's namespace, as in the indexing how-to
CHROMA_DIR = "chroma"
RECORD_DB = "record_manager.sqlite"
LAST_RESULT = "last_index_result.json"  # what index() reported: added / updated / skipped / deleted


class LangChainStoreError(RuntimeError):
    """The store folder does not hold what this module expects."""


def _check_setup(setup: str) -> None:
    if setup not in SETUPS:
        raise ValueError(f"peer_langchain: unknown setup {setup!r}; use one of {', '.join(SETUPS)}")


def _splitter(models: Models):
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(models.embedder)
    return RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        tokenizer, chunk_size=models.chunk_tokens, chunk_overlap=models.chunk_overlap
    )


def _split(docs: list[Doc], models: Models) -> list:
    from langchain_core.documents import Document

    documents = [Document(page_content=d.text, metadata={"source": d.id}) for d in docs]
    return _splitter(models).split_documents(documents)


def _embeddings(setup: str, models: Models):
    from langchain_huggingface import HuggingFaceEmbeddings

    model_kwargs: dict[str, Any] = {"device": "cpu"}
    if setup == "index-bf16":
        import torch

        model_kwargs["model_kwargs"] = {"dtype": torch.bfloat16}
    return HuggingFaceEmbeddings(
        model_name=models.embedder, model_kwargs=model_kwargs, encode_kwargs={"normalize_embeddings": True}
    )


def _vector_store(store: Path, embeddings=None):
    from chromadb.config import Settings
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=COLLECTION,
        embedding_function=embeddings,
        persist_directory=str(store / CHROMA_DIR),
        client_settings=Settings(anonymized_telemetry=False),
    )


def _record_manager(store: Path):
    from langchain_classic.indexes import SQLRecordManager

    manager = SQLRecordManager(NAMESPACE, db_url=f"sqlite:///{store / RECORD_DB}")
    manager.create_schema()
    return manager


def _sync(setup: str, docs: list[Doc], store: Path, models: Models) -> None:
    """Split, then let `index()` add, re-embed and delete what changed (full cleanup: `docs` is the whole set)."""
    from langchain_core.indexing import index

    chunks = _split(docs, models)
    vector_store = _vector_store(store, _embeddings(setup, models))
    result = index(chunks, _record_manager(store), vector_store, cleanup="full", source_id_key="source")
    (store / LAST_RESULT).write_text(json.dumps(dict(result)), encoding="utf-8")


def build(setup: str, docs: list[Doc], store: Path, models: Models) -> None:
    _check_setup(setup)
    store = Path(store)
    shutil.rmtree(store / CHROMA_DIR, ignore_errors=True)  # from scratch: only the files this module owns
    (store / RECORD_DB).unlink(missing_ok=True)
    store.mkdir(parents=True, exist_ok=True)
    _sync(setup, docs, store, models)


def update(setup: str, docs: list[Doc], store: Path, models: Models) -> None:
    _check_setup(setup)
    store = Path(store)
    if not (store / RECORD_DB).exists() or not (store / CHROMA_DIR).exists():
        raise LangChainStoreError(f"peer_langchain: no index in {store}; run build() first")
    _sync(setup, docs, store, models)


def expected_chunks(setup: str, docs: list[Doc], models: Models) -> int:
    """Chunks a clean build holds: index() drops chunks identical in text and source, so count distinct ones."""
    _check_setup(setup)
    return len({(c.metadata["source"], c.page_content) for c in _split(docs, models)})


def stored_chunks(setup: str, store: Path, models: Models) -> int:
    """What Chroma holds now (not what the record manager believes; see issue #39937 in the docstring)."""
    _check_setup(setup)
    return len(_vector_store(Path(store)).get(include=[])["ids"])


def tracked_chunks(setup: str, store: Path, models: Models) -> int:
    """What the record manager believes the vector store holds; differs from stored_chunks after a desync."""
    _check_setup(setup)
    return len(_record_manager(Path(store)).list_keys())


def _to_passages(documents: list, k: int) -> list[Passage]:
    return [Passage(doc_id=d.metadata["source"], text=d.page_content) for d in documents[:k]]


def retrievers(setup: str, store: Path, models: Models) -> dict[str, Retriever]:
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_core.documents import Document

    _check_setup(setup)
    vector_store = _vector_store(Path(store), _embeddings(setup, models))
    held = vector_store.get()  # the BM25 retriever is in memory only: rebuild it from what Chroma holds now
    chunks = [Document(page_content=t, metadata=m) for t, m in zip(held["documents"], held["metadatas"])]
    vector = vector_store.as_retriever(search_kwargs={"k": 4})
    bm25 = BM25Retriever.from_documents(chunks)
    hybrid = EnsembleRetriever(retrievers=[bm25, vector], weights=[0.5, 0.5])

    def run(retriever, query: str, k: int) -> list[Passage]:
        bm25.k = k  # the documented way to set k on these retrievers
        vector.search_kwargs = {"k": k}
        return _to_passages(retriever.invoke(query), k)

    return {
        "vector": lambda query, k: run(vector, query, k),
        "bm25": lambda query, k: run(bm25, query, k),
        "hybrid": lambda query, k: run(hybrid, query, k),
    }


def _chat_model(models: Models, max_new_tokens: int):
    import torch
    import transformers
    from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline

    tokenizer = transformers.AutoTokenizer.from_pretrained(models.generator)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        models.generator, dtype=getattr(torch, models.generator_dtype)
    )
    pipe = transformers.pipeline(
        "text-generation", model=model, tokenizer=tokenizer, max_new_tokens=max_new_tokens,
        do_sample=False, return_full_text=False,
    )
    return ChatHuggingFace(llm=HuggingFacePipeline(pipeline=pipe), tokenizer=tokenizer), tokenizer


def _retrieve_documents_middleware(vector_store, top_k: int):
    """The tutorial's RetrieveDocumentsMiddleware: context appended to the question, documents kept in state."""
    from langchain.agents.middleware import AgentMiddleware, AgentState

    class State(AgentState):
        context: list[Any]  # the retrieved Documents (a string annotation here: Any resolves at module level)

    class RetrieveDocumentsMiddleware(AgentMiddleware[State]):
        state_schema = State

        def before_model(self, state: AgentState, runtime) -> dict[str, Any] | None:
            last_message = state["messages"][-1]
            retrieved_docs = vector_store.similarity_search(last_message.text, k=top_k)
            docs_content = "\n\n".join(doc.page_content for doc in retrieved_docs)
            augmented = f"{last_message.text}\n\nUse the following context to answer the query:\n{docs_content}"
            return {
                "messages": [last_message.model_copy(update={"content": augmented})],
                "context": retrieved_docs,
            }

    return RetrieveDocumentsMiddleware()


def answerer(setup: str, store: Path, models: Models, top_k: int, max_new_tokens: int) -> Answerer:
    from langchain.agents import create_agent
    from langchain_core.callbacks import BaseCallbackHandler

    _check_setup(setup)
    vector_store = _vector_store(Path(store), _embeddings(setup, models))
    chat, tokenizer = _chat_model(models, max_new_tokens)
    agent = create_agent(chat, tools=[], middleware=[_retrieve_documents_middleware(vector_store, top_k)])

    class PromptRecorder(BaseCallbackHandler):
        """Keeps the exact prompt string ChatHuggingFace hands to the pipeline (its own chat templating)."""

        prompt = ""

        def on_chat_model_start(self, serialized, messages, **kwargs) -> None:
            self.prompt = chat._to_chat_prompt(messages[0])

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def answer(question: str) -> Reply:
        recorder = PromptRecorder()
        state = agent.invoke(
            {"messages": [{"role": "user", "content": question}]}, config={"callbacks": [recorder]}
        )
        text = state["messages"][-1].text
        passages = _to_passages(state["context"], top_k)
        return Reply(text=text, passages=passages, prompt_tokens=count(recorder.prompt), output_tokens=count(text))

    return answer
