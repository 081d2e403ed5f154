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
public sealed record JobSpec(string JobId, string ModelFile, string ModelJson, CompiledModel Model, TrainingSettings Settings);

/// <summary>
/// The coordinator: places parameter chunks on shards, hands data partitions to workers like tasks,
/// runs epochs, evaluates on the test set after each, and reports to a listener with
/// <see cref="Protocol.CoordinatorProtocol"/> reports.
/// </summary>
public static class Coordinator
{
    /// <summary>Props for the job actor; it starts the job as soon as it starts.</summary>
    public static Props Props(JobSpec job, IReadOnlyList<IActorRef> shards, IReadOnlyList<IActorRef> workers, IActorRef listener, Dataset trainingSet, Dataset testSet) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(job, shards, workers, listener, trainingSet, testSet));
}
