import pytest
from retrieve_fixtures import paragraph_chunker

from ragtune.corpus.document import Chunk, Document
from ragtune.index import ChunkIndex
from ragtune.retrieve import Filter, FilterError, parse_filter, retrieve
from ragtune.retrieve.filters import Prefilter, metadata_matches

RETRIEVERS = ["dense", "bm25", "hybrid"]


def test_parse_forms():
    assert parse_filter("path^=guides/") == Filter("path", "^=", "guides/")
    assert parse_filter("lang != en") == Filter("lang", "!=", "en")
    assert parse_filter("title='A = B'") == Filter("title", "=", "A = B")
    assert parse_filter("note=x!=y") == Filter("note", "=", "x!=y")
    for bad in ("no operator", "=value", "^=x", "a b=c"):
        with pytest.raises(FilterError, match="key=value"):
            parse_filter(bad)


def test_quotes_cannot_escape_the_literal():
    sql = Prefilter.build([parse_filter("title=x' OR '1'='1")]).sql()
    assert sql == "title = 'x'' OR ''1''=''1'"
    with pytest.raises(FilterError, match="number"):
        Prefilter.build([parse_filter("page=1 OR 1=1")]).sql()


def test_metadata_value_types():
    meta = {"tags": ["a", "b"], "year": 2024, "draft": False, "lang": "en"}
    assert metadata_matches(meta, Filter("tags", "=", "b"))
    assert metadata_matches(meta, Filter("year", "=", "2024"))
    assert metadata_matches(meta, Filter("draft", "=", "false"))
    assert metadata_matches(meta, Filter("missing", "!=", "x"))
    assert not metadata_matches(meta, Filter("missing", "=", "x"))
    assert metadata_matches(meta, Filter("year", "^=", "20"))


def chunker_with_pages(doc: Document) -> list[Chunk]:
    """Paragraph chunks with heading and page metadata like the real chunker adds."""
    return [Chunk(c.id, c.doc_id, c.index, c.text, c.title, {**c.metadata, "heading": f"H{c.index}", "page": c.index + 1})
            for c in paragraph_chunker(doc)]


@pytest.fixture(scope="module", params=["in-memory", "lance"])
def index(minilm, tmp_path_factory, request):
    """The same index searched by numpy on the cached copy and by Lance (cache budget 0)."""
    docs = [
        Document("guides/setup.md", "Install the widget with pip.\n\nConfigure the widget in widget.toml.",
                 title="Setup guide", metadata={"lang": "en", "tags": ["install", "config"], "year": 2024}),
        Document("guides/o'brien.md", "Widget tips from O'Brien: restart the widget daily.", title="O'Brien's tips",
                 metadata={"lang": "en", "author": "O'Brien"}),
        Document("notes/widget.md", "Widget meeting notes: the widget launch slipped.", title="Notes",
                 metadata={"lang": "fr", "year": 2023}),
        Document("guidesx.md", "A widget guide at the top level.", title="Top", metadata={}),
    ]
    cache = 1 << 30 if request.param == "in-memory" else 0
    index = ChunkIndex.open(tmp_path_factory.mktemp("filters") / "ix", minilm, max_cache_bytes=cache)
    index.sync(docs, chunker_with_pages)
    assert (index.vector_snapshot() is None) == (cache == 0)
    return index


def docs(hits):
    return sorted({h.doc_id for h in hits})


@pytest.mark.parametrize("retriever", RETRIEVERS)
def test_filters_on_columns_and_metadata(index, retriever):
    def run(*filters):
        return docs(retrieve(index, "widget", retriever=retriever, top_k=10, filters=filters))

    assert run("path^=guides/") == ["guides/o'brien.md", "guides/setup.md"]
    assert run("doc_id=notes/widget.md") == ["notes/widget.md"]
    assert run("lang=fr") == ["notes/widget.md"]
    assert run("lang!=fr") == ["guides/o'brien.md", "guides/setup.md", "guidesx.md"]
    assert run("tags=config", "path^=guides/") == ["guides/setup.md"]
    assert run("year=2024") == ["guides/setup.md"]
    assert run("author=O'Brien") == ["guides/o'brien.md"]
    assert run("title=O'Brien's tips") == ["guides/o'brien.md"]
    assert run("lang=de") == []
    assert run("path^=x' OR '1'='1") == []
    pages = retrieve(index, "widget", retriever=retriever, top_k=10, filters=["page=2"])
    assert [(h.doc_id, h.metadata["heading"]) for h in pages] == [("guides/setup.md", "H1")]
    assert run("heading!=H0") == ["guides/setup.md"]


@pytest.mark.parametrize("retriever", RETRIEVERS)
def test_filter_applies_before_top_k(index, retriever):
    # The top-level doc is a weak match for this query; with top_k=1 it still comes back when it is
    # the only one allowed, which a post-filter of the top 1 would miss.
    query = "install and configure the widget with pip"
    assert retrieve(index, query, retriever=retriever, top_k=1)[0].doc_id == "guides/setup.md"
    hits = retrieve(index, query, retriever=retriever, top_k=1, filters=["doc_id=guidesx.md"])
    assert [h.doc_id for h in hits] == ["guidesx.md"]
