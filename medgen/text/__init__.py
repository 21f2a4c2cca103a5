"""Report drafts and patient text from a local language model, grounded and guarded.

- :mod:`medgen.text.findings`: the clinician's structured findings (the only source of facts);
- :mod:`medgen.text.fleischner`: rule-based follow-up (Fleischner Society 2017);
- :mod:`medgen.text.report`: template draft, streamed model rewrite, guard -> ReportDraft;
- :mod:`medgen.text.education`: plain-language patient text at a target reading grade;
- :mod:`medgen.text.guard`: flags unsupported numbers, sides, locations, negations, diagnoses;
- :mod:`medgen.text.llm`: model registry, offline loading, streaming with a stop event;
- :mod:`medgen.text.sign`, :mod:`medgen.text.export`: signing, PDF and FHIR export.
"""
