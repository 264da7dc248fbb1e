"""What the study notes say differently from the book and the app, as data: each note names the pages it appears on
(file stems of pages/), a title and a text in English and Korean. A "box" is drawn as a folded "In the notes"
expander, a "caption" as a short line (h_0 = 0, on every page whose runs start from it). Pure: no Streamlit;
explorer/theory/ui.py draws them and tests/test_notes.py checks that every page named exists and shows its notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..shared.controls import Text

# Pages whose computations start from h_0 = 0 (and c_0 = 0): the flow pages, the horizon, the remedies and a
# loaded model's run (rc.bptt with h0=None, as the book's `TimeRNN` with stateful=False and PyTorch's default)
H0_PAGES = ("compare", "rnn", "lstm", "gru", "horizon", "remedies", "model", "lab")


@dataclass(frozen=True)
class Note:
    key: str
    pages: tuple[str, ...]
    title: Text
    body: Text
    style: str = "box"  # "box" (a folded expander) or "caption"


NOTES: tuple[Note, ...] = (
    Note(
        "gru_is_coupled_lstm",
        ("gru",),
        ("a “GRU” that is a coupled-gate LSTM", "LSTM의 게이트를 묶은 것을 “GRU”라고 부른 경우"),
        (
            "One note describes as a GRU a cell that keeps the LSTM's memory cell c and only ties the input gate to "
            "the forget gate (i = 1 − f). That is the coupled input-forget gate LSTM (CIFG in Greff et al. 2017, "
            "“LSTM: A Search Space Odyssey”), not a GRU. The GRU (Cho et al. 2014) has no separate cell: its one "
            "state h is mixed with a candidate by the update gate z, and the reset gate r acts on h inside the "
            "candidate. This page computes the GRU.",
            "한 노트는 LSTM의 기억 셀 c를 그대로 두고 입력 게이트를 망각 게이트에 묶기만 한 셀(i = 1 − f)을 GRU라고 "
            "설명합니다. 그것은 입력·망각 게이트를 묶은 LSTM(Greff 등 2017 “LSTM: A Search Space Odyssey”의 CIFG)이지 "
            "GRU가 아닙니다. GRU(Cho 등 2014)에는 따로 된 기억 셀이 없습니다. 하나뿐인 상태 h를 업데이트 게이트 z가 "
            "후보와 섞고, 리셋 게이트 r은 후보 안에서 h에 작용합니다. 이 페이지는 GRU를 계산합니다.",
        ),
    ),
    Note(
        "gru_mixed_formulations",
        ("gru",),
        ("a GRU that mixes two formulations", "두 수식을 섞은 GRU"),
        (
            "One note takes the update of one formulation and the gates of the other: the book's "
            "h_t = (1 − z) ⊙ h_(t−1) + z ⊙ h̃ beside PyTorch's z, or the reset gate before the matmul beside "
            "PyTorch's update. Each equation is right in its own formulation; mixed, the keep gate is z where it "
            "should be 1 − z (the cell then forgets what it should keep), and the reset placement changes the "
            "numbers. Choose one formulation (the sidebar's switch) and keep both of its equations; the book's z "
            "is PyTorch's 1 − z.",
            "한 노트는 한 수식의 갱신 식과 다른 수식의 게이트를 함께 씁니다. 책의 h_t = (1 − z) ⊙ h_(t−1) + z ⊙ h̃에 "
            "PyTorch의 z를 넣거나, 행렬 곱 앞의 리셋 게이트에 PyTorch의 갱신 식을 붙이는 식입니다. 각 식은 제 수식 "
            "안에서는 맞지만 섞으면 1 − z여야 할 자리에 z가 들어가 (간직해야 할 것을 잊습니다), 리셋 게이트의 위치도 "
            "수치를 바꿉니다. 수식은 하나를 골라(사이드바의 수식 선택) 두 식을 모두 그쪽 것으로 쓰세요. 책의 z는 "
            "PyTorch의 1 − z입니다.",
        ),
    ),
    Note(
        "output_tanh",
        ("lstm", "gru"),
        ("the LSTM's tanh on the output, which the GRU does not have", "LSTM 출력의 tanh, GRU에는 없는 것"),
        (
            "The LSTM's output passes one more tanh: h_t = o ⊙ tanh(c_t). The GRU has no such step: h_t is the mix "
            "itself, (1 − z) ⊙ n + z ⊙ h_(t−1) (PyTorch's), and its only tanh is inside the candidate n. So the "
            "GRU's direct path multiplies the gradient by the keep gate alone, while the LSTM's way from h into c "
            "passes o ⊙ tanh′(c_t) first.",
            "LSTM의 출력은 tanh를 한 번 더 거칩니다: h_t = o ⊙ tanh(c_t). GRU에는 이 단계가 없습니다. h_t는 섞은 값 "
            "그 자체이고 ((1 − z) ⊙ n + z ⊙ h_(t−1), PyTorch), tanh는 후보 n 안에만 있습니다. 그래서 GRU의 직접 "
            "경로는 기울기에 이전 상태를 넘기는 비율만 곱하고, LSTM에서 h에서 c로 가는 길은 먼저 o ⊙ tanh′(c_t)를 "
            "거칩니다.",
        ),
    ),
    Note(
        "lstm_without_output_gate",
        ("lstm",),
        ("an LSTM without an output gate", "출력 게이트가 없는 LSTM"),
        (
            "One note's LSTM has no output gate: h_t = tanh(c_t). That is a known variant (NOG, no output gate, in "
            "Greff et al. 2017), but neither the book's nor PyTorch's LSTM, which both write h_t = o ⊙ tanh(c_t). "
            "The output gate also decides how much of ∂L/∂h_t reaches the cell (o ⊙ tanh′(c_t)): a closed o cuts "
            "the way from h into c. The LSTM on this page has all four blocks i, f, g, o.",
            "한 노트의 LSTM에는 출력 게이트가 없습니다: h_t = tanh(c_t). 알려진 변형(Greff 등 2017의 NOG, 출력 게이트 "
            "없음)이지만, 책과 PyTorch의 LSTM은 모두 h_t = o ⊙ tanh(c_t)로 씁니다. 출력 게이트는 ∂L/∂h_t 중 기억 셀에 "
            "닿는 양도 정합니다 (o ⊙ tanh′(c_t)). o가 닫히면 h에서 c로 가는 길이 끊깁니다. 이 페이지의 LSTM은 i, f, "
            "g, o 네 블록을 모두 가집니다.",
        ),
    ),
    Note(
        "cell_stays_inside",
        ("lstm",),
        ("the memory cell c stays inside the layer, h goes out", "기억 셀 c는 계층 안에 머물고 h만 나갑니다"),
        (
            "Only h_t leaves the layer (to the next layer or the readout, and into the next step's gates); the "
            "memory cell c_t goes only to c_(t+1). No loss reads c directly, so ∂L/∂c_t arrives only through h_t "
            "(o ⊙ tanh′(c_t)) and from c_(t+1) (⊙ f_(t+1)). That is why the cell can carry the gradient far back "
            "while ‖∂L/∂h_t‖ is small, and why this page draws both. (PyTorch's nn.LSTM returns c_n with the final "
            "state, but its output sequence is h alone; the book's TimeLSTM keeps c inside.)",
            "계층 밖으로 나가는 것은 h_t뿐입니다 (다음 계층이나 출력층, 그리고 다음 시각의 게이트로). 기억 셀 c_t는 "
            "c_(t+1)로만 갑니다. 어떤 손실도 c를 직접 읽지 않으므로 ∂L/∂c_t는 h_t를 거쳐 (o ⊙ tanh′(c_t)), 그리고 "
            "c_(t+1)에서 (⊙ f_(t+1))만 들어옵니다. 그래서 ‖∂L/∂h_t‖가 작아도 기억 셀은 기울기를 멀리까지 나를 수 "
            "있고, 이 페이지는 둘을 함께 그립니다. (PyTorch의 nn.LSTM은 마지막 상태와 함께 c_n을 돌려주지만 출력 "
            "시퀀스는 h뿐이고, 책의 TimeLSTM은 c를 안에 둡니다.)",
        ),
    ),
    Note(
        "weight_normalisation_term",
        ("remedies", "theory"),
        ("“가중치 정규화” for weight decay", "가중치 감소를 “가중치 정규화”라고 쓴 경우"),
        (
            "One Korean note calls weight decay 가중치 정규화. That term means weight normalisation (Salimans & "
            "Kingma 2016: each weight vector rewritten as w = g · v / ‖v‖, a reparametrisation, not a penalty). "
            "Weight decay is 가중치 감소: an L2 penalty λ‖W‖²/2 whose gradient λW "
            "shrinks the weights at every update (book 1, section 6.4.2).",
            "한 노트는 가중치 감소(weight decay)를 가중치 정규화라고 씁니다. 가중치 정규화는 Salimans와 Kingma(2016)의 "
            "weight normalization을 뜻합니다. 가중치 벡터를 w = g · v / ‖v‖로 다시 쓰는 매개변수화이며 벌칙이 "
            "아닙니다. 가중치 감소는 L2 벌칙 λ‖W‖²/2를 더해 그 기울기 λW가 갱신마다 가중치를 줄이는 "
            "방법입니다 (밑바닥부터 시작하는 딥러닝 1, 6.4.2절).",
        ),
    ),
    Note(
        "gradient_flipping",
        ("remedies",),
        ("“gradient flipping”", "“gradient flipping(기울기 뒤집기)”"),
        (
            "One note lists “gradient flipping” as a remedy for exploding gradients. No method of that name is known "
            "in the literature on training RNNs; it is most likely gradient clipping (section 1 above, the book's "
            "remedy), which rescales the gradient when its norm exceeds θ and never flips its sign.",
            "한 노트는 기울기 폭발의 대책으로 “gradient flipping”을 듭니다. RNN 학습에 관한 문헌에 그런 이름의 "
            "방법은 없습니다. 기울기 클리핑(위의 1절, 책의 대책)을 잘못 적은 것으로 보입니다. 기울기 클리핑은 노름이 "
            "θ를 넘으면 기울기의 크기를 줄일 뿐, 부호를 뒤집지 않습니다.",
        ),
    ),
    Note(
        "random_h0",
        ("theory",),
        ("a random initial hidden state", "무작위 초기 은닉 상태"),
        (
            "One note starts the RNN from a random h_0. The book (TimeRNN: h = 0 when not stateful) and PyTorch "
            "(h_0 defaults to zeros) start from h_0 = 0, and so does every run in this app (c_0 = 0 for the LSTM). "
            "A random h_0 changes the states and so the tanh′ factors of the first steps, and it gives step 1 a "
            "term in ∂L/∂W_hh, which is exactly 0 from h_0 = 0.",
            "한 노트는 RNN을 무작위 h_0에서 시작합니다. 책(TimeRNN: stateful이 아니면 h = 0)과 PyTorch(h_0의 기본값은 "
            "0)는 h_0 = 0에서 시작하고, 이 앱의 모든 계산도 그렇습니다 (LSTM은 c_0 = 0도). 무작위 h_0은 상태를 바꾸어 "
            "처음 몇 시각의 tanh′ 인자를 바꾸고, h_0 = 0이면 정확히 0인 시각 1의 ∂L/∂W_hh 항을 만듭니다.",
        ),
    ),
    Note(
        "h0_zero",
        H0_PAGES,
        ("h_0 = 0", "h_0 = 0"),
        (
            "Every run here starts from h_0 = 0 (and c_0 = 0 for the LSTM), as the book and PyTorch do; one study "
            "note starts from a random h_0 (see Theory).",
            "여기의 모든 계산은 책과 PyTorch처럼 h_0 = 0 (LSTM은 c_0 = 0도)에서 시작합니다. 한 학습 노트는 무작위 "
            "h_0에서 시작합니다 (이론 페이지 참고).",
        ),
        style="caption",
    ),
)


def notes_for(page: str) -> tuple[Note, ...]:
    """The notes shown on ``page`` (a file stem of pages/), in the order above."""
    return tuple(n for n in NOTES if page in n.pages)


def box_label(note: Note, lang: str) -> str:
    """The expander's label: 'In the notes: …' / '노트에서: …'."""
    return ("In the notes: " + note.title[0]) if lang == "en" else ("노트에서: " + note.title[1])
