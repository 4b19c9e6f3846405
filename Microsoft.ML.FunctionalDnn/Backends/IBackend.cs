namespace Microsoft.ML.FunctionalDnn.Backends;

/// <summary>
/// The compute surface a backend implements, as Keras 3's <c>keras.backend</c> modules do: tensor
/// creation and host copies, variables and their in-place updates, the gradient mechanism, and the
/// primitive ops (forward and backward together, since each backend differentiates its own way).
/// Everything above it — <see cref="Ops"/>' composite ops, layers, losses, metrics, optimizers,
/// initializers, callbacks, saving, TensorBoard — is written once against this interface, so a
/// second backend (libtorch through TorchSharp) plugs in without touching model code.
/// </summary>
/// <remarks>
/// Host access is explicit: values enter through <see cref="FromHost(ReadOnlySpan{float}, Shape)"/>
/// and leave through <see cref="CopyToHost(Tensor, Span{float})"/>; only the backend itself sees a
/// tensor's storage. Every member validates its arguments with the messages of <see cref="Ops"/>.
/// </remarks>
internal interface IBackend
{
    /// <summary>The backend's name, as the selection setting spells it (<c>managed</c>, <c>torch</c>).</summary>
    string Name { get; }

    /// <summary>The device its tensors live on (<c>cpu</c>, <c>cuda:0</c>).</summary>
    string Device { get; }

    // Scopes the layers above open: a tensor scope (a training step) and a no-grad scope.

    /// <summary>
    /// A scope for the temporaries made until it ends (TorchSharp's dispose scope), or null when the
    /// backend needs none beyond <see cref="TensorScope"/>'s own pooling (the managed engine).
    /// </summary>
    IBackendScope? BeginScope();

    /// <summary>Stops the backend's own gradient recording until the returned scope ends (null when <see cref="GradMode"/> alone governs it).</summary>
    IDisposable? NoGrad();

    // Autograd state of a tensor of this backend (the managed engine keeps it on the Tensor itself).

    bool RequiresGrad(Tensor x);

    void SetRequiresGrad(Tensor x, bool value);

    bool IsLeaf(Tensor x);

    /// <summary>The gradient accumulated into a leaf by <see cref="Backward"/>, or null.</summary>
    Tensor? Grad(Tensor x);

    void ZeroGrad(Tensor x);

    /// <summary>The same elements outside the autograd graph.</summary>
    Tensor Detach(Tensor x);

    /// <summary>Rows [start, start + length) of the first axis, sharing storage, not recorded.</summary>
    Tensor SliceRows(Tensor x, int start, int length);

    // Tensors and host copies.

    /// <summary>A new tensor holding a copy of <paramref name="values"/> in row-major order.</summary>
    Tensor FromHost(ReadOnlySpan<float> values, Shape shape);

    /// <summary>Like <see cref="FromHost(ReadOnlySpan{float}, Shape)"/>, for a temporary that belongs to the current tensor scope (pooled) rather than outliving it.</summary>
    Tensor FromHostTemporary(ReadOnlySpan<float> values, Shape shape);

    /// <summary>A new int32 tensor holding a copy of <paramref name="values"/>.</summary>
    Tensor FromHost(ReadOnlySpan<int> values, Shape shape);

    /// <summary>Like <see cref="FromHost(ReadOnlySpan{int}, Shape)"/>, for a temporary of the current tensor scope (a batch's row ids or ids).</summary>
    Tensor FromHostTemporary(ReadOnlySpan<int> values, Shape shape);

    /// <summary>A new tensor with every element equal to <paramref name="value"/>.</summary>
    Tensor Full(Shape shape, float value, DType dtype);

    /// <summary>Copies a float32 tensor's elements, row-major, to <paramref name="destination"/> (exactly its size).</summary>
    void CopyToHost(Tensor source, Span<float> destination);

    /// <summary>Copies an int32 tensor's elements, row-major, to <paramref name="destination"/> (exactly its size).</summary>
    void CopyToHost(Tensor source, Span<int> destination);

    // Variables: tensors that live across steps (weights, optimizer slots, moving statistics).

    /// <summary>
    /// A trainable (or, with <paramref name="trainable"/> false, non-trainable) variable holding
    /// <paramref name="initialValue"/>, outliving any tensor scope. With <paramref name="takeOwnership"/>
    /// the caller gives the tensor up and the backend may keep its storage instead of copying it
    /// (an embedding table's initial values are then not held twice).
    /// </summary>
    Tensor CreateVariable(Tensor initialValue, bool trainable, bool takeOwnership = false);

    /// <summary>A tensor over <paramref name="values"/>, which the caller gives up: the backend may keep the array as storage (a device backend copies it).</summary>
    Tensor AdoptHost(float[] values, Shape shape);

    /// <summary>An int32 tensor over <paramref name="values"/>, which the caller gives up (see <see cref="AdoptHost(float[], Shape)"/>).</summary>
    Tensor AdoptHost(int[] values, Shape shape);

    /// <summary>variable ← value, in place and unrecorded; <paramref name="value"/> has the variable's shape or broadcasts to it.</summary>
    void Assign(Tensor variable, Tensor value);

    /// <summary>variable ← variable + value, in place and unrecorded.</summary>
    void AssignAdd(Tensor variable, Tensor value);

    /// <summary>variable ← variable - value, in place and unrecorded.</summary>
    void AssignSub(Tensor variable, Tensor value);

    // Fused optimizer steps (Keras 3's torch backend uses torch._foreach_* the same way). Each
    // computes what the optimizer's op-by-op rule computes — bit for bit on the managed engine,
    // within a few ulps on libtorch (addcmul_/addcdiv_ group the products) — or returns false to
    // let the ops run.

    /// <summary>Adam: m += (g - m)(1 - β₁); v += (g² - v)(1 - β₂); w -= m·α / (√v + ε), in one pass.</summary>
    bool TryAdamUpdate(Tensor variable, Tensor gradient, Tensor m, Tensor v, float alpha, float beta1, float beta2, float epsilon);

    /// <summary>RmsProp without momentum: v = ρ·v + ((1 - ρ)·g)·g; w -= lr·g / √(v + ε), in one pass.</summary>
    bool TryRmsPropUpdate(Tensor variable, Tensor gradient, Tensor velocity, float lr, float rho, float epsilon);

    // The gradient mechanism.

    /// <summary>Reverse-mode differentiation from <paramref name="root"/> (seeded with <paramref name="seed"/>), adding into the leaves' gradients.</summary>
    void Backward(Tensor root, Tensor seed, bool retainGraph);

    /// <summary>
    /// The train step's first half: the gradient of the scalar <paramref name="loss"/> with respect
    /// to each variable (null for a variable it never reached), valid until <see cref="ClearGradients"/>.
    /// </summary>
    Tensor?[] Gradients(Tensor loss, IReadOnlyList<Tensor> variables);

    /// <summary>Forgets the gradients <see cref="Gradients"/> accumulated on <paramref name="variables"/>.</summary>
    void ClearGradients(IReadOnlyList<Tensor> variables);

    // Primitive ops (see Ops for what each computes).

    /// <summary>1 where <paramref name="x"/> is non-zero, else 0, as float32 (masks to multipliers).</summary>
    Tensor NotEqualZero(Tensor x);

    /// <summary>1 where a == b, else 0, as float32 with broadcasting; float32 or int32 pairs; no gradient.</summary>
    Tensor Equal(Tensor a, Tensor b);

    /// <summary>1 where a != b, else 0, as float32 with broadcasting; float32 or int32 pairs; no gradient.</summary>
    Tensor NotEqual(Tensor a, Tensor b);

    /// <summary>1 where a &gt; b, else 0, as float32 with broadcasting; float32 or int32 pairs; no gradient.</summary>
    Tensor Greater(Tensor a, Tensor b);

    Tensor Swish(Tensor x);
    Tensor Softsign(Tensor x);
    Tensor Softplus(Tensor x);
    Tensor Tanh(Tensor x);
    Tensor HardSigmoid(Tensor x);
    Tensor Sigmoid(Tensor x);
    Tensor Gelu(Tensor x, bool approximate);
    Tensor Selu(Tensor x);
    Tensor Elu(Tensor x, float alpha);
    Tensor LeakyRelu(Tensor x, float negativeSlope);
    Tensor Relu(Tensor x);
    Tensor Clip(Tensor x, float min, float max);
    Tensor Abs(Tensor x);
    Tensor Square(Tensor x);
    Tensor Sqrt(Tensor x);
    Tensor Log(Tensor x);
    Tensor Exp(Tensor x);
    Tensor Negate(Tensor x);
    Tensor Pow(Tensor x, float exponent);
    Tensor Pow(Tensor a, Tensor b);
    Tensor Minimum(Tensor a, Tensor b);
    Tensor Maximum(Tensor a, Tensor b);
    Tensor Divide(Tensor a, Tensor b);
    Tensor Multiply(Tensor a, Tensor b);
    Tensor Subtract(Tensor a, Tensor b);
    Tensor Add(Tensor a, Tensor b);
    Tensor BiasAdd(Tensor x, Tensor bias, bool relu);
    // With a bias (filters) and/or relu: the layer's epilogue, max(conv + bias, 0), in the op itself.
    Tensor Conv1D(Tensor x, Tensor kernel, int stride, Padding padding, int dilation, Tensor? bias, bool relu);
    Tensor Conv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation, Tensor? bias, bool relu);
    Tensor DepthwiseConv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation);
    Tensor Where(Tensor condition, Tensor a, Tensor b);
    Tensor OneHot(Tensor indices, int depth);
    Tensor Take(Tensor x, Tensor indices, int axis);

    /// <summary>Rows of a (vocabulary, …) table for ids the caller has checked (an Embedding, with its own message).</summary>
    Tensor TakeRowsUnchecked(Tensor table, Tensor ids);

    Tensor[] Split(Tensor x, int[] sizes, int axis);
    Tensor Slice(Tensor x, int axis, int start, int length);
    Tensor Stack(IReadOnlyList<Tensor> tensors, int axis);
    Tensor Concatenate(IReadOnlyList<Tensor> tensors, int axis);
    Tensor MatMul(Tensor a, Tensor b, bool transposeA, bool transposeB);

    /// <summary>
    /// Keras Dense's affine part, <c>x · kernel + bias</c> over the last axis of an input of rank 2
    /// or more: one op, so a backend can run it as one fused call (libtorch's addmm) and record one
    /// node for the gradients.
    /// </summary>
    Tensor Dense(Tensor x, Tensor kernel, Tensor? bias);
    Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float epsilon);
    Tensor BatchNormTraining(Tensor x, Tensor? gamma, Tensor? beta, float epsilon, out Tensor batchMean, out Tensor batchVariance);
    Tensor AveragePool1D(Tensor x, int poolSize, int? stride, Padding padding);
    Tensor MaxPool1D(Tensor x, int poolSize, int? stride, Padding padding);
    Tensor AveragePool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding);
    Tensor MaxPool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding);
    Tensor LogSoftmax(Tensor x, int axis);
    Tensor Softmax(Tensor x, int axis);
    Tensor ArgMax(Tensor x, int axis, bool keepDims);
    Tensor Min(Tensor x, int[]? axes, bool keepDims);
    Tensor Max(Tensor x, int[]? axes, bool keepDims);
    Tensor Mean(Tensor x, int[]? axes, bool keepDims);
    Tensor Sum(Tensor x, int[]? axes, bool keepDims);
    Tensor Cast(Tensor x, DType dtype);
    Tensor BroadcastTo(Tensor x, Shape shape);
    Tensor Transpose(Tensor x, int[]? perm);
    Tensor Reshape(Tensor x, params int[] shape);
    Tensor Conv2DTranspose(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? outputPadding);
    RecurrentResult Gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask);
    RecurrentResult Lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, Tensor? initialC, bool returnSequences, bool goBackwards, Tensor? mask);
    RecurrentResult SimpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask);
}

/// <summary>A backend's own scope for a step's temporaries (see <see cref="IBackend.BeginScope"/>).</summary>
internal interface IBackendScope : IDisposable
{
    /// <summary>The number of tensors the scope will free.</summary>
    int Count { get; }

    /// <summary>Hands <paramref name="tensor"/> to the enclosing scope, or at the outermost level to the garbage collector.</summary>
    void Keep(Tensor tensor);
}
