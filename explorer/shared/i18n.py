"""English and Korean (한국어): each text is written in both languages side by side where it is used.

    tr = pick(lang)
    st.title(tr("How far back does the gradient reach?", "기울기는 얼마나 멀리 거슬러 올라갈까?"))

Korean particles after a Latin word or a number follow its pronunciation (LSTM은, GRU는, 5460을, 2.1을):
``josa("LSTM", "은/는")`` picks the right one.
"""

from __future__ import annotations

from collections.abc import Callable

Picker = Callable[[str, str], str]


def pick(lang: str) -> Picker:
    """A function that returns its Korean argument when ``lang`` is "ko", else its English one."""
    korean = lang == "ko"
    return lambda en, ko: ko if korean else en


def counted(n: object, noun: str) -> str:
    """An English count and its noun in the number it takes: ``counted(1, "step")`` is "1 step", 0 or 2 "… steps"."""
    return f"{n} {noun}" if str(n) == "1" else f"{n} {noun}s"


# How a Korean reader says the last character, reduced to what a particle needs: the final consonant (받침)
# of its last syllable, "" for none. Letters as their Korean names (엘, 엠, 엔, 알 end in a consonant).
_LETTER_FINAL = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
# A round number is read by its last unit: 10 십, 100 백, 1000 천, 10⁴…10⁷ 만, 10⁸…10¹¹ 억, 10¹² 조
_ZEROS_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ", 5: "ㄴ", 6: "ㄴ", 7: "ㄴ", 8: "ㄱ", 9: "ㄱ", 10: "ㄱ", 11: "ㄱ"}
_JONGSEONG: tuple[str, ...] = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")
_SILENT = set(" )]}'\"*`_~")  # markdown and closing brackets do not change the reading


# Whole English words the app prints, as a Korean reader says them (타임, 북, 백, 민, 라스트, 에브리, 모델 …); a word
# not listed is read letter by letter (LSTM, RNN, GRU, l2).
_WORD_FINAL: dict[str, str] = {
    "time": "ㅁ",
    "book": "ㄱ",
    "back": "ㄱ",
    "mean": "ㄴ",
    "last": "",
    "every": "",
    "pytorch": "",
    "tanh": "",
    "relu": "",
    "gaussian": "ㄴ",
    "orthogonal": "ㄹ",
    "identity": "",
    "dlfs2": "",
    "english": "",
}


def final_consonant(word: str) -> str:
    """The final consonant of ``word``'s last syllable as read aloud in Korean ("" for none)."""
    text = word.rstrip()
    while text and text[-1] in _SILENT:
        text = text[:-1]
    if not text:
        return ""
    last_word = text.split()[-1].lower()
    if last_word in _WORD_FINAL:
        return _WORD_FINAL[last_word]
    ch = text[-1]
    if "가" <= ch <= "힣":
        return _JONGSEONG[(ord(ch) - 0xAC00) % 28]
    if ch.isdigit():
        digits = text.split(".")[-1] if "." in text else text
        if "." not in text and ch == "0":
            stripped = digits.rstrip("0")
            zeros = len(digits) - len(stripped)
            if stripped and stripped[-1].isdigit():
                return _ZEROS_FINAL.get(zeros, "")
            return "ㅇ"  # 0 itself: 영
        return _DIGIT_FINAL[ch]
    if ch == "%":
        return ""  # 퍼센트
    if ch == "‖":
        # ‖x‖ is read by what it holds: ‖∂L/∂h_t‖ ends in 티 (‖∂L/∂h_t‖는), ‖∂L/∂h_(t−1)‖ in 일 (은)
        return final_consonant(text[:-1])
    if ch == "′":
        return "ㅁ"  # tanh′ is read 탄에이치 프라임
    if ch.isascii() and ch.isalpha():
        return _LETTER_FINAL.get(ch.lower(), "")
    return ""


def josa(word: str, pair: str) -> str:
    """``word`` followed by the particle of ``pair`` ("은/는", "이/가", "을/를", "과/와", "으로/로") that its
    pronunciation takes: the first form after a final consonant, the second after a vowel. For 으로/로, a final
    ㄹ takes 로."""
    with_final, without = pair.split("/")
    final = final_consonant(word)
    if pair == "으로/로":
        return word + (without if final in ("", "ㄹ") else with_final)
    return word + (with_final if final else without)
