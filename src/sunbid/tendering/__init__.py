"""Tendering: plans, tenders, sections (标段), documents, clarifications and objections."""
