"""Prompts for the language model. The model only rewords; it is given every fact it may use."""

from __future__ import annotations

REPORT_SYSTEM = (
    "You are a radiology report editor. Rewrite the FINDINGS and IMPRESSION sections you are "
    "given into fluent, concise radiology prose. Rules: keep the two headings FINDINGS and "
    "IMPRESSION exactly, each followed by a colon. Use only the facts given: never add, remove "
    "or change a number, unit, side (left/right), location, finding, negative finding or "
    "diagnosis. Do not add any recommendation or follow-up advice (it is added separately). "
    "Output only the two sections."
)


#: What every report request's user turn starts with: the template body's first heading. With the
#: system prompt and the chat template's user-turn tokens it is the static start of the request
#: (:func:`report_head`), kept in the model's KV cache, so that only the findings and the closing
#: instruction are evaluated per request (a faster first token).
REPORT_BODY_START = "FINDINGS:"
#: The instruction after the body (the model's cue to write the sections).
REPORT_USER_TAIL = "\n\nRewritten sections:"


def report_messages(body: str) -> list[dict[str, str]]:
    """Messages asking for a rewrite of the FINDINGS + IMPRESSION part of a template draft.

    ``body`` (which starts with :data:`REPORT_BODY_START`) comes without the rule-based
    recommendation sentences (:func:`medgen.text.report.split_rule_tail`): they are added after
    the model's text.
    """
    return [
        {"role": "system", "content": REPORT_SYSTEM},
        {"role": "user", "content": f"{body}{REPORT_USER_TAIL}"},
    ]


def report_head() -> list[dict[str, str]]:
    """The start every report request shares, for warming the KV cache (``LanguageModel.warm``):
    the system prompt and a user turn that is only :data:`REPORT_BODY_START`."""
    return [
        {"role": "system", "content": REPORT_SYSTEM},
        {"role": "user", "content": REPORT_BODY_START},
    ]


_EDU_SYSTEM_EN = (
    "You explain radiology results to patients in plain, kind English. Write at a grade {grade} "
    "reading level: short sentences, common words, no medical jargon. Use only the facts in the "
    "report impression you are given: do not add any number, size, side (left/right), body "
    "part, finding or diagnosis that is not in it, and do not guess what it means. Do not give "
    "advice about what happens next (that is added separately). Write 3 to 6 short sentences."
)
_EDU_STRICT_EN = (
    " Your last version was too hard to read. Use sentences of at most 12 words and words of "
    "one or two syllables where you can."
)
_EDU_SYSTEM_ZH = (
    "你用简单、亲切的简体中文向病人解释影像检查结果。要写得像给小学{grade}年级学生读的一样："
    "句子短，用常用字，不用医学术语。只能使用所给报告结论中的事实：不要添加报告中没有的数字、"
    "大小、左右、部位、发现或诊断，也不要猜测。不要写下一步怎么做（会另外加上）。写3到6个短句。"
)
_EDU_STRICT_ZH = "你上一次写得太难懂了。每句话不超过15个字，只用最常用的字。"


_EDU_USER = {
    "en": ("Report impression:\n", "\n\nPlain-language explanation for the patient:"),
    "zh": ("报告结论（英文）：\n", "\n\n请用简体中文向病人解释："),
}


def _edu_system(language: str, grade: int, strict: bool) -> str:
    if language == "zh":
        return _EDU_SYSTEM_ZH.format(grade=grade) + (_EDU_STRICT_ZH if strict else "")
    return _EDU_SYSTEM_EN.format(grade=grade) + (_EDU_STRICT_EN if strict else "")


def education_messages(impression: str, language: str, grade: int, strict: bool = False
                       ) -> list[dict[str, str]]:
    head, tail = _EDU_USER["zh" if language == "zh" else "en"]
    return [{"role": "system", "content": _edu_system(language, grade, strict)},
            {"role": "user", "content": f"{head}{impression}{tail}"}]


def education_head(language: str, grade: int, strict: bool = False) -> list[dict[str, str]]:
    """The start every patient-text request of this kind shares (system prompt, user head)."""
    head, _ = _EDU_USER["zh" if language == "zh" else "en"]
    return [{"role": "system", "content": _edu_system(language, grade, strict)},
            {"role": "user", "content": head}]
