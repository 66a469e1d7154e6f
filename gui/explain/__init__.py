"""Explainers for learners (issue #6): interactive windows that explain the
ideas behind the model the user built — convolution and pooling step by step,
where the parameters are, the unrolled RNN, receptive field against memory.
``registry`` lists them; ``menu`` puts them in the Explain menu."""
