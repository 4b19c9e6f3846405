using Microsoft.ML.FunctionalDnn.Saving.Onnx;

namespace Microsoft.ML.FunctionalDnn;

public partial class Model
{
    /// <summary>
    /// Exports the model for inference elsewhere, as Keras 3's <c>model.export(filepath, format="onnx")</c>:
    /// an ONNX file that ONNX Runtime (C#, C++, Python, mobile, GPU execution providers) and ML.NET's
    /// <c>ApplyOnnxModel</c> run without this library. The graph keeps the model's input and output
    /// names, a symbolic batch axis (and symbolic steps where the model takes any length), and computes
    /// what Predict computes: dropout is the identity, batch normalization uses its
    /// moving statistics. See docs/onnx.md for each layer's ONNX form.
    /// </summary>
    /// <param name="path">The file to write (conventionally <c>.onnx</c>); written beside it and moved over it, so a failure leaves an earlier file whole.</param>
    /// <param name="format">"onnx", the one format this library exports.</param>
    /// <param name="opset">The ONNX operator set to target, 13 to 21; 17 by default.</param>
    /// <exception cref="ArgumentException">A format other than "onnx".</exception>
    /// <exception cref="ArgumentOutOfRangeException">An opset outside 13–21.</exception>
    /// <exception cref="NotSupportedException">A layer ONNX cannot express (a Lambda, a custom layer or activation); the message names it.</exception>
    public void Export(string path, string format = "onnx", int opset = OnnxExporter.DefaultOpset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!string.Equals(format, "onnx", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"Export writes format \"onnx\"; received \"{format}\" (Keras's \"tf_saved_model\" and \"openvino\" are TensorFlow's and OpenVINO's formats, not available in .NET).", nameof(format));
        OnnxExporter.Export(this, path, opset);
    }
}
