"""Knowledge base loading and hybrid (BM25 + dense) Chinese retrieval."""
