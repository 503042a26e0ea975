"""LlamaIndex (llama-index-core 0.14) as its documentation recommends, for the head-to-head in bench/peers.py.

Setups (both split with `SentenceSplitter(chunk_size=256, chunk_overlap=32)` counting MiniLM tokens without
special tokens, as ragtune's chunker counts, and embed with `HuggingFaceEmbedding(<MiniLM folder>, device="cpu")`
at its default batch size of 10; Documents are `Document(text=Doc.text, id_=Doc.id)`, no metadata, so the
embedded and BM25-indexed text is the chunk text alone, as in the other tools):
- "vector-index": `VectorStoreIndex.from_documents` with the default storage (simple vector store, docstore and
  index store, JSON files), persisted with `storage_context.persist`. Update, the "Document Management" way:
  `load_index_from_storage`, `refresh_ref_docs(new docs)` (inserts new ids, re-ingests changed ones), then
  `delete_ref_doc(id, delete_from_docstore=True)` for every id in `index.ref_doc_info` missing from the new set:
  refresh never deletes, so a user has to write that step (llama_index issue #13604), then persist again.
- "pipeline": `IngestionPipeline([splitter, embed_model], docstore=SimpleDocumentStore(), vector_store=Chroma,
  docstore_strategy=UPSERTS_AND_DELETE)` as in the "Ingestion Pipeline + Document Management" docs (their
  upsert example uses Redis; Chroma, llama-index-vector-stores-chroma, is the local store of the BM25 + Chroma
  docs), a persistent Chroma client under `store/chroma` (telemetry off), `pipeline.persist` of its docstore
  and cache under `store/pipeline`; update = `pipeline.load` and the same `run` on the new full set.
  One patch, or the 10k corpus fails: Chroma's batch limit (llama_index#20142, see `_chroma`).
Retrievers: "vector" = `as_retriever(similarity_top_k=k)` (pipeline: `VectorStoreIndex.from_vector_store`);
"bm25" = `BM25Retriever.from_defaults` (bm25s) over the index's docstore nodes; for "pipeline" the pipeline's
docstore holds whole documents, not chunks, so BM25 is built from the chunks Chroma holds now
(`vector_store.get_nodes`), in memory at each `retrievers()` call; "hybrid" = `QueryFusionRetriever([vector,
bm25], mode="reciprocal_rerank", num_queries=1, use_async=False)`, each part fetching k as in the docs' example.
Answerer: `HuggingFaceLLM(model, tokenizer, is_chat_model=True)` so prompts go through the tokenizer's chat
template (its default `messages_to_prompt`), greedy; `as_query_engine(similarity_top_k=top_k)` (compact mode);
`Settings.tokenizer` = the generator's tokenizer, as the docs advise for a non-OpenAI model. Token counts come
from the instrumentation events of each completion call (the exact prompt string the model was given).
`Settings.llm` is a MockLLM and `Settings.embed_model` the MiniLM wherever no real LLM is needed: nothing
reaches for OpenAI.

Where LlamaIndex could be configured faster (kept at its defaults here): a larger `embed_batch_size` (10 by
default, ragtune uses 64); `IngestionPipeline.run(num_workers=N)`; a binary vector store (FAISS, Chroma,
LanceDB) instead of the JSON simple vector store, which is rewritten whole at every persist; `disable_cache=True`
on the pipeline (its cache persists every node with its embedding); a persisted BM25 (`BM25Retriever.persist`)
rather than re-indexing at load; `embed_model` loaded in bfloat16 through `model_kwargs`.
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import Any

from peer_api import Answerer, Doc, Models, Passage, Reply, Retriever

SETUPS = ("vector-index", "pipeline")
_COLLECTION = "peer_llamaindex"


# -- shared parts --------------------------------------------------------------------------------

def _check(setup: str) -> None:
    if setup not in SETUPS:
        raise ValueError(f"unknown LlamaIndex setup {setup!r}: use one of {', '.join(SETUPS)}")


def _splitter(models: Models) -> Any:
    """The docs' default node parser at the shared chunk size, counting MiniLM tokens like ragtune does."""
    from llama_index.core.node_parser import SentenceSplitter
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(models.embedder)
    count = partial(tokenizer.encode, add_special_tokens=False)
    return SentenceSplitter(chunk_size=models.chunk_tokens, chunk_overlap=models.chunk_overlap, tokenizer=count)


def _embedder(models: Models) -> Any:
    """MiniLM on the CPU; also installed as `Settings.embed_model`, with a MockLLM as `Settings.llm`."""
    from llama_index.core import Settings
    from llama_index.core.llms import MockLLM
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    embed = HuggingFaceEmbedding(model_name=models.embedder, device="cpu")
    Settings.embed_model = embed
    Settings.llm = MockLLM()
    return embed


def _documents(docs: list[Doc]) -> list[Any]:
    from llama_index.core import Document

    return [Document(text=d.text, id_=d.id) for d in docs]


def _chroma(store: Path) -> Any:
    import chromadb
    from llama_index.vector_stores.chroma import ChromaVectorStore, base

    client = chromadb.PersistentClient(
        path=str(store / "chroma"), settings=chromadb.config.Settings(anonymized_telemetry=False)
    )
    # llama_index#20142: `ChromaVectorStore.add` splits at a hard-coded 41,665 rows, but Chroma's limit
    # depends on its SQLite build (5,461 here), so a pipeline run over more chunks fails after embedding
    # them all. The proposed fix: split at the client's own limit.
    base.MAX_CHUNK_SIZE = min(base.MAX_CHUNK_SIZE, client.get_max_batch_size())
    return ChromaVectorStore(chroma_collection=client.get_or_create_collection(_COLLECTION))


def _pipeline(store: Path, models: Models) -> Any:
    from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
    from llama_index.core.storage.docstore import SimpleDocumentStore

    return IngestionPipeline(
        transformations=[_splitter(models), _embedder(models)],
        docstore=SimpleDocumentStore(),
        vector_store=_chroma(store),
        docstore_strategy=DocstoreStrategy.UPSERTS_AND_DELETE,
    )


def _open_index(setup: str, store: Path, models: Models) -> Any:
    """The persisted index, reopened the documented way for its setup."""
    from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage

    embed = _embedder(models)
    if setup == "pipeline":
        return VectorStoreIndex.from_vector_store(_chroma(store), embed_model=embed)
    context = StorageContext.from_defaults(persist_dir=str(store))
    return load_index_from_storage(context, embed_model=embed, transformations=[_splitter(models)])


# -- build and update ----------------------------------------------------------------------------

def build(setup: str, docs: list[Doc], store: Path, models: Models) -> None:
    """Full ingest from scratch into `store` (an earlier build's Chroma and pipeline folders are removed first)."""
    _check(setup)
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    if setup == "pipeline":
        for folder in (store / "chroma", store / "pipeline"):
            shutil.rmtree(folder, ignore_errors=True)
        pipeline = _pipeline(store, models)
        pipeline.run(documents=_documents(docs))
        pipeline.persist(str(store / "pipeline"))
        return
    from llama_index.core import VectorStoreIndex

    index = VectorStoreIndex.from_documents(
        _documents(docs), transformations=[_splitter(models)], embed_model=_embedder(models)
    )
    index.storage_context.persist(persist_dir=str(store))


def update(setup: str, docs: list[Doc], store: Path, models: Models) -> None:
    """Bring `store` to exactly `docs`: the pipeline's upserts-and-delete, or refresh plus the user's own deletes."""
    _check(setup)
    store = Path(store)
    if setup == "pipeline":
        pipeline = _pipeline(store, models)
        pipeline.load(str(store / "pipeline"))
        pipeline.run(documents=_documents(docs))
        pipeline.persist(str(store / "pipeline"))
        return
    index = _open_index(setup, store, models)
    index.refresh_ref_docs(_documents(docs))
    keep = {d.id for d in docs}
    for ref_doc_id in [r for r in index.ref_doc_info if r not in keep]:  # refresh_ref_docs never deletes
        index.delete_ref_doc(ref_doc_id, delete_from_docstore=True)
    index.storage_context.persist(persist_dir=str(store))


def expected_chunks(setup: str, docs: list[Doc], models: Models) -> int:
    _check(setup)
    return len(_splitter(models).get_nodes_from_documents(_documents(docs)))


def stored_chunks(setup: str, store: Path, models: Models) -> int:
    """Chunks with a vector in the store (what vector search can return), read without loading any model."""
    _check(setup)
    store = Path(store)
    if setup == "pipeline":
        return _chroma(store)._collection.count()
    from llama_index.core import StorageContext

    return len(StorageContext.from_defaults(persist_dir=str(store)).vector_store.data.embedding_dict)


# -- retrieval and answers -----------------------------------------------------------------------

def _passages(nodes: list[Any]) -> list[Passage]:
    return [Passage(doc_id=n.node.ref_doc_id, text=n.node.get_content()) for n in nodes]


def _bm25_nodes(setup: str, index: Any) -> list[Any]:
    if setup == "pipeline":  # the pipeline's docstore holds documents; the chunks live in Chroma
        return index.vector_store.get_nodes(node_ids=None)
    return list(index.docstore.docs.values())


def retrievers(setup: str, store: Path, models: Models) -> dict[str, Retriever]:
    """vector, bm25 and hybrid (reciprocal rank fusion), built once; each call sets its k on them."""
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.retrievers.bm25 import BM25Retriever

    _check(setup)
    index = _open_index(setup, Path(store), models)
    vector = index.as_retriever(similarity_top_k=10)
    bm25 = BM25Retriever.from_defaults(nodes=_bm25_nodes(setup, index), similarity_top_k=10)
    n_bm25 = int(bm25.bm25.scores["num_docs"])  # bm25s refuses a k above its corpus size
    hybrid = QueryFusionRetriever(
        [vector, bm25], mode="reciprocal_rerank", num_queries=1, use_async=False, similarity_top_k=10
    )

    def search(retriever: Any, query: str, k: int) -> list[Passage]:
        vector.similarity_top_k = k
        bm25.similarity_top_k = min(k, n_bm25)
        hybrid.similarity_top_k = k
        return _passages(retriever.retrieve(query))[:k]

    return {name: partial(search, r) for name, r in (("vector", vector), ("bm25", bm25), ("hybrid", hybrid))}


def _completion_log() -> list[tuple[str, str]]:
    """(prompt, completion) of every LLM completion call from now on, via the instrumentation dispatcher."""
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.instrumentation.event_handlers import BaseEventHandler
    from llama_index.core.instrumentation.events.llm import LLMCompletionEndEvent

    log: list[tuple[str, str]] = []

    class CompletionLog(BaseEventHandler):
        def handle(self, event: Any, **kwargs: Any) -> None:
            if isinstance(event, LLMCompletionEndEvent):
                log.append((event.prompt, event.response.text))

    get_dispatcher().add_event_handler(CompletionLog())
    return log


def _generator_llm(models: Models, max_new_tokens: int) -> tuple[Any, Any]:
    import torch
    from llama_index.llms.huggingface import HuggingFaceLLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(models.generator)
    model = AutoModelForCausalLM.from_pretrained(models.generator, dtype=getattr(torch, models.generator_dtype))
    llm = HuggingFaceLLM(
        model=model,
        tokenizer=tokenizer,
        model_name=models.generator,
        tokenizer_name=models.generator,
        max_new_tokens=max_new_tokens,
        generate_kwargs={"do_sample": False},
        is_chat_model=True,  # prompts go through the tokenizer's chat template
    )
    return llm, tokenizer


def answerer(setup: str, store: Path, models: Models, top_k: int, max_new_tokens: int) -> Answerer:
    """The standard query engine over the index with the local generator; tokens counted on what it saw."""
    from llama_index.core import Settings

    _check(setup)
    index = _open_index(setup, Path(store), models)
    llm, tokenizer = _generator_llm(models, max_new_tokens)
    Settings.llm = llm
    Settings.tokenizer = tokenizer.encode
    engine = index.as_query_engine(llm=llm, similarity_top_k=top_k)
    log = _completion_log()

    def answer(question: str) -> Reply:
        log.clear()
        response = engine.query(question)
        return Reply(
            text=str(response.response or ""),
            passages=_passages(response.source_nodes),
            prompt_tokens=sum(len(tokenizer(p)["input_ids"]) for p, _ in log),
            output_tokens=sum(len(tokenizer(c, add_special_tokens=False)["input_ids"]) for _, c in log),
        )

    return answer
