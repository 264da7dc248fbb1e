"""Theory: the seed's equations, the backward equations the plots show, how to read them, and sources."""
import streamlit as st

st.title("Theory: what the plots compute")
st.markdown(
    "The equations below are exactly what `recurrent_core` computes (float64, checked against finite differences "
    "and PyTorch). Weights are in PyTorch's layout; the book (DLFS2) writes row vectors, `h W_h` with "
    "`W_h = W_hhᵀ`. The loss is L = Σ_t ⟨g_t, h_t⟩ with g_t the upstream gradient: ones at the last step only "
    "(the book's `dh = np.ones((N, H))`), or at every step.")

st.header("Vanilla RNN")
st.latex(r"h_t = \tanh\left(x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b\right)")
st.markdown("Backward through one step: the tanh′ factor, then the same matrix every step.")
st.latex(r"\frac{\partial L}{\partial h_{t-1}} = g_{t-1} + "
         r"\Big(\frac{\partial L}{\partial h_t} \odot \underbrace{(1 - h_t^2)}_{\tanh',\ \le 1}\Big) W_{hh}")
st.markdown(
    "Over many steps the product of W_hh grows or shrinks like **ρ(W_hh)ᵏ**, the spectral radius to the k-th "
    "power. Pascanu, Mikolov & Bengio (2013) bound one step: ‖∂L/∂h_{t−1}‖ ≤ σ_max(W_hh) · γ · ‖∂L/∂h_t‖ with "
    "γ = max|tanh′| = 1, so σ_max < 1 is *sufficient* for vanishing and σ_max > 1 *necessary* for exploding. "
    "The book's matrix has σ_max = 2.66 but ρ = 1.26; halved, σ_max = 1.33 > 1 and yet ρ = 0.63 and it "
    "vanishes. tanh′ only shrinks: with a real forward pass, saturation can make the book's 'exploding' matrix "
    "vanish.")

st.header("LSTM")
st.latex(r"\begin{aligned} i, f, o &= \sigma(\cdot),\quad g = \tanh(\cdot)\quad "
         r"\text{of } x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b \\ "
         r"c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t) \end{aligned}")
st.latex(r"\frac{\partial L}{\partial c_t} = \frac{\partial L}{\partial c_{t+1}} \odot f_{t+1} + "
         r"\frac{\partial L}{\partial h_t} \odot o_t \odot (1 - \tanh^2 c_t)")
st.markdown(
    "The first term is the **cell path**: element-wise, no matrix. Alone it keeps ∏ f of the gradient. "
    "With gate bias 0 (PyTorch's default init) f ≈ σ(0) = 0.5 and f²⁰ ≈ 10⁻⁶: the LSTM vanishes too. A forget "
    "bias of +1 (Jozefowicz et al. 2015) gives f²⁰ ≈ 2·10⁻³, +3 gives 0.38. Chrono init (Tallec & Ollivier "
    "2018) sets b_f = log U[1, T_max − 1] for memories of about T_max steps.")

st.header("GRU")
st.markdown("Two formulations, with the same gate rows r, z, n:")
st.latex(r"\text{PyTorch: } n = \tanh\big(W_{in} x + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})\big),\quad "
         r"h_t = (1 - z) \odot n + z \odot h_{t-1}")
st.latex(r"\text{DLFS2 (Cho v3): } \tilde h = \tanh\big(x W_x + (r \odot h_{t-1}) W_h + b\big),\quad "
         r"h_t = (1 - z) \odot h_{t-1} + z \odot \tilde h")
st.latex(r"\frac{\partial L}{\partial h_{t-1}} \ni \frac{\partial L}{\partial h_t} \odot k_t,\qquad "
         r"k_t = \begin{cases} z_t & \text{PyTorch} \\ 1 - z_t & \text{DLFS2} \end{cases}")
st.markdown("The book's z is PyTorch's 1 − z; the two also differ numerically because the reset gate sits before "
            "or after the matmul. In this app the **keep-gate bias** is added so that + always keeps more.")

st.header("How to read the plots")
st.markdown("""
- **Log axis, straight line**: a constant factor per step. Its slope is log10 of that factor; compare it with
  log10 ρ on the RNN page.
- **Dashed / dotted curves** isolate one path (W_hh alone, tanh′ alone, the cell path, the GRU's direct path);
  the solid curve is the full BPTT. Where they agree, that path carries the gradient.
- **Red dotted verticals** mark where a plain float64 or float32 computation overflowed to inf; the curve keeps
  going because norms are tracked in the log domain (the backward is linear in the upstream gradient).
- **Norm over the batch**: `l2` is the Frobenius norm over all samples, `book` divides it by N as DLFS2 does,
  `mean` averages the per-sample norms.
- **Remedies** named in the book: gradient clipping (rescale when ‖g‖ > θ; `recurrent_core.clip_global_norm`),
  truncated BPTT (`recurrent_core.bptt(..., truncate=k)`), gated cells with open gates, orthogonal or identity
  (IRNN) initialisation.
""")

st.header("Sources")
st.markdown("""
- Saito, *Deep Learning from Scratch 2* (밑바닥부터 시작하는 딥러닝 2), chapter 6, and its code
  [`ch06/rnn_gradient_graph.py`](https://github.com/oreilly-japan/deep-learning-from-scratch-2/blob/master/ch06/rnn_gradient_graph.py),
  [`common/time_layers.py`](https://github.com/oreilly-japan/deep-learning-from-scratch-2/blob/master/common/time_layers.py).
- Pascanu, Mikolov & Bengio, [On the difficulty of training recurrent neural networks](https://arxiv.org/abs/1211.5063), 2013.
- Jozefowicz, Zaremba & Sutskever, [An empirical exploration of recurrent network architectures](https://proceedings.mlr.press/v37/jozefowicz15.html), 2015.
- Tallec & Ollivier, [Can recurrent neural networks warp time?](https://arxiv.org/abs/1804.11188) (chrono init), 2018.
- Cho et al., [Learning phrase representations using RNN encoder–decoder](https://arxiv.org/abs/1406.1078), 2014.
- Saxe, McClelland & Ganguli, [Exact solutions to the nonlinear dynamics of learning](https://arxiv.org/abs/1312.6120) (orthogonal init), 2013;
  Le, Jaitly & Hinton, [A simple way to initialize recurrent networks of ReLUs](https://arxiv.org/abs/1504.00941) (IRNN), 2015.
- Madsen, [Visualizing memorization in RNNs](https://distill.pub/2019/memorization-in-rnns/), Distill 2019.
- PyTorch [`nn.RNN`](https://pytorch.org/docs/stable/generated/torch.nn.RNN.html),
  [`nn.LSTM`](https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html),
  [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html).
""")
