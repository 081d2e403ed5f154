// Entry point of the coordinator role: the job description and Props for the job actor.
using Akka.Actor;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;

namespace Dtrain.Coordinator;

/// <summary>A job as the coordinator runs it: the model file's text, its compiled form, and the settings in force.</summary>
/// <param name="JobId">Name of the run.</param>
/// <param name="ModelFile">Path of the model file (named in errors).</param>
/// <param name="ModelJson">Its text, sent to workers so every replica compiles the same DAG.</param>
/// <param name="Model">The compiled model.</param>
/// <param name="Settings">Training settings after command-line overrides.</param>
/// <param name="TrainArgs">The <c>train</c> flags behind <paramref name="Settings"/>, journaled so a resumed job reads them again.</param>
/// <param name="Schema">How the job's raw data becomes features and targets (null: MNIST's), journaled with the job so
/// checkpoints, exports and a resumed job apply exactly what training applied.</param>
/// <param name="DataRows">Cluster mode on the user's files: the rows of the training files (validation rows included), which workers check they see too.</param>
public sealed record JobSpec(string JobId, string ModelFile, string ModelJson, CompiledModel Model, TrainingSettings Settings, string[]? TrainArgs = null, DataSchema? Schema = null, long DataRows = 0);

/// <summary>
/// A job that goes on instead of starting: from the newest of <paramref name="Checkpoints"/> (oldest first) whose
/// snapshots every shard can load, or from the start when there is none. <paramref name="LostSteps"/> were trained
/// after the newest checkpoint and are trained again; <paramref name="Reason"/> says why the job resumes.
/// </summary>
public sealed record ResumePlan(IReadOnlyList<Protocol.Persistence.JobEvents.CheckpointRecord> Checkpoints, long LostSteps, string Reason);

/// <summary>
/// The coordinator: places parameter chunks on shards, hands data partitions to workers like tasks,
/// runs epochs, evaluates on the test set after each, and reports to a listener with
/// <see cref="Protocol.CoordinatorProtocol"/> reports.
/// </summary>
public static class Coordinator
{
    /// <summary>
    /// Props for the job actor; it starts the job as soon as it starts. <paramref name="validationSet"/> is scored after
    /// every epoch and picks the best epoch (and drives early stopping); <paramref name="schema"/> lets regression
    /// figures be reported in the data's units. Throws <see cref="Models.DtrainException"/> when the job asks for early
    /// stopping it cannot have (see <see cref="CheckEarlyStopping"/>).
    /// </summary>
    public static Props Props(JobSpec job, IReadOnlyList<IActorRef> shards, IReadOnlyList<IActorRef> workers, IActorRef listener, ExampleSource trainingSet, ExampleSource? testSet, ResumePlan? resume = null, ExampleSource? validationSet = null, DataSchema? schema = null)
    {
        CheckEarlyStopping(job, trainingSet.Task, validationSet);
        return Akka.Actor.Props.Create(() => new CoordinatorActor(job, shards, workers, listener, trainingSet, testSet, resume, validationSet, schema));
    }

    /// <summary>
    /// Refuses, in one line naming the model file, early stopping without a validation set to watch, or watching a
    /// figure the task does not have (<c>val_accuracy</c> of a regression).
    /// </summary>
    public static void CheckEarlyStopping(JobSpec job, LearningTask task, ExampleSource? validationSet)
    {
        if (job.Settings.EarlyStopping is not { } stop)
        {
            return;
        }

        if (validationSet is null)
        {
            throw new Models.DtrainException($"{job.ModelFile}: training.early_stopping watches {stop.Monitor}, but the job has no validation set; give training.data.validation_split (--validation-split) or training.data.validation (--validation)");
        }

        if (!Models.Metrics.EarlyStopping.MonitorsOf(task).Contains(stop.Monitor))
        {
            throw new Models.DtrainException($"{job.ModelFile}: training.early_stopping.monitor '{stop.Monitor}' is not a figure of a {task.Name()}; known: {string.Join(", ", Models.Metrics.EarlyStopping.MonitorsOf(task))}");
        }
    }
}
