// Whether a compiled model can train on a data set: its inputs hold what the data encodes, its output scores the
// data's classes (one output unit: two classes; an unsupervised job: no output is checked). A mismatch is one line naming both numbers, before any worker starts.
using Dtrain.Models.Data;

namespace Dtrain.Models.Graph;

/// <summary>Checks a model's fixed input and output widths against the data it is about to train on.</summary>
public static class ModelDataFit
{
    /// <summary>
    /// Throws a <see cref="DtrainException"/> naming both widths when the features input, the labels input or the
    /// output does not match <paramref name="data"/> (features, targets, class count).
    /// </summary>
    /// <param name="model">The compiled model.</param>
    /// <param name="data">The training examples (their task, shapes and classes).</param>
    /// <param name="file">The model file, named in the message.</param>
    public static void Check(CompiledModel model, ExampleSource data, string file)
    {
        var features = model.Values[model.FeatureInput];
        if (model.FeatureSize != data.FeatureSize)
        {
            throw new DtrainException($"{file}: input '{features.Name}' holds {model.FeatureSize} floats per example, but {data.Name} encodes {data.FeatureSize} ([{string.Join(", ", data.FeatureShape)}]); write \"shape\": \"auto\" to take the data's width");
        }

        var labels = model.Values[model.LabelInput];
        var output = model.Values[model.OutputValue];
        switch (data.Task)
        {
            case LearningTask.Classification:
                if (model.LabelSize != 1)
                {
                    throw new DtrainException($"{file}: input '{labels.Name}' holds {model.LabelSize} floats per example, but {data.Name} is a classification with one class id per example; give it \"shape\": [] (or \"auto\")");
                }

                // One output unit is a binary classifier (a threshold unit): class 1 when the output is above 0.
                if (output.Type.Size != data.Classes && !(output.Type.Size == 1 && data.Classes == 2))
                {
                    throw new DtrainException($"{file}: output '{output.Name}' scores {output.Type.Size} classes, but {data.Name} has {data.Classes}; write \"units\": \"auto\" to take the data's class count");
                }

                break;
            case LearningTask.Regression:
                if (model.LabelSize != data.TargetSize)
                {
                    throw new DtrainException($"{file}: input '{labels.Name}' holds {model.LabelSize} floats per example, but {data.Name} has {data.TargetSize} regression target(s); write \"shape\": \"auto\"");
                }

                break;
            case LearningTask.Unsupervised:
                // No output is scored; the labels input still receives each example's targets as read.
                if (model.LabelSize != data.TargetSize)
                {
                    throw new DtrainException($"{file}: input '{labels.Name}' holds {model.LabelSize} floats per example, but {data.Name} has {data.TargetSize} target value(s) per example (read, though an unsupervised job does not score them); write \"shape\": \"auto\"");
                }

                break;
            default:
                if (model.LabelSize != data.FeatureSize)
                {
                    throw new DtrainException($"{file}: input '{labels.Name}' holds {model.LabelSize} floats per example, but reconstructing {data.Name} needs its {data.FeatureSize} features as targets; write \"shape\": \"auto\"");
                }

                break;
        }
    }
}
