// What a data set's targets are: class ids, real-valued targets, the features themselves, or nothing the job scores.
namespace Dtrain.Models.Data;

/// <summary>The kind of learning a data set is for; it decides the targets, the loss that fits and the metrics.</summary>
public enum LearningTask
{
    /// <summary>Each example has one class id (a float holding an integer in [0, classes)).</summary>
    Classification,

    /// <summary>Each example has one or more real-valued targets.</summary>
    Regression,

    /// <summary>The target is the example's own features (an autoencoder).</summary>
    Reconstruction,

    /// <summary>
    /// No supervised output (an RBM, a Hopfield network, a GAN): the job reports its losses and the model's own
    /// figures; the data is read as its own task would be (labels read, perhaps unused).
    /// </summary>
    Unsupervised,
}

/// <summary>The names users write for <see cref="LearningTask"/>.</summary>
public static class LearningTasks
{
    /// <summary>The names, in the order documented.</summary>
    public static readonly string[] Names = ["classification", "regression", "reconstruction", "unsupervised"];

    /// <summary>The task named <paramref name="name"/>, or null when the name is not known.</summary>
    public static LearningTask? Parse(string name) => name switch
    {
        "classification" => LearningTask.Classification,
        "regression" => LearningTask.Regression,
        "reconstruction" => LearningTask.Reconstruction,
        "unsupervised" => LearningTask.Unsupervised,
        _ => null,
    };

    /// <summary>The name users write for <paramref name="task"/>.</summary>
    public static string Name(this LearningTask task) => Names[(int)task];
}
