// The one table from op name to implementation; adding an op means adding one line here.
namespace Dtrain.Models.Ops;

/// <summary>Every op a model file can name.</summary>
public static class OpRegistry
{
    private static readonly Dictionary<string, Op> Table = new Op[]
    {
        new Dense(),
        new Relu(),
        new Sigmoid(),
        new Tanh(),
        new SoftmaxCrossEntropy(),
        new MeanSquaredError(),
        new SimpleRnn(),
        new Lstm(),
        new Gru(),
        new Embedding(),
        new Dropout(),
        new BatchNorm(),
        new LayerNorm(),
        new Linear(),
        new LeakyRelu(),
        new Prelu(),
        new Elu(),
        new Softmax(),
        new BinaryCrossEntropy(),
        new Parameter(),
        new MatMul(),
        new Add(),
        new Subtract(),
        new Multiply(),
        new Concat(),
        new Slice(),
        new Transpose(),
        new Sum(),
        new Mean(),
        new Exp(),
        new Log(),
        new Conv2d(),
        new MaxPool2d(),
        new AvgPool2d(),
        new Flatten(),
        new Reshape(),
        new Step(),
        new Sign(),
        new StopGradient(),
        new Fill(),
        new Bernoulli(),
        new Normal(),
        new Perceptron(),
        new Hopfield(),
        new Rbm(),
        new Conv2dTranspose(),
    }.ToDictionary(op => op.Name, StringComparer.Ordinal);

    /// <summary>Names of all ops, sorted.</summary>
    public static IEnumerable<string> Names => Table.Keys.Order(StringComparer.Ordinal);

    /// <summary>Finds an op by name.</summary>
    public static bool TryGet(string name, out Op op) => Table.TryGetValue(name, out op!);
}
