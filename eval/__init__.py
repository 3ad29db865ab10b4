"""Evaluation harness: measures a running citeqa service through its public HTTP API only.

QA files or BEIR folders go in; per-question results, a summary, a report and a TREC run come out.
This package never imports `ingest` or `service` (the data flow is one-way), and it shadows the
builtin `eval`: write `from eval import metrics`, never `import eval`.

Modules, one job each:
    datasets   load QA JSONL files and BEIR folders into `Question` records
    relevance  the benchmark relevance rules (MultiHop-RAG evidence, BEIR qrels, answer strings)
    metrics    per-question retrieval measures (ir-measures plus the official MultiHop-RAG MAP@10)
    citations  citation and passage-offset validity
    judge      one question's reply -> one results.jsonl record with its per-question scores
    client     the HTTP calls, through any httpx-style client (httpx.Client, FastAPI's TestClient)
    harness    run the questions concurrently, in a deterministic order, with a progress bar
    summary    aggregate records into summary.json (reproducible metrics, latency kept apart)
    manifest   what was measured: service version, index manifest, model hash, parameters, git commit
    report     report.md tables;  plots  report.png;  trec  run.trec / qrels.trec
    outputs    write a run folder;  compare  paired comparison of two runs;  command  the entry points
"""
