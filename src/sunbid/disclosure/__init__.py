"""Public documents (公开文件): the structure of a document the rooms fill
(:mod:`sunbid.disclosure.document`), its PDF rendering (:mod:`sunbid.disclosure.pdf`) and the
layouts of particular records (:mod:`sunbid.disclosure.opening`)."""
