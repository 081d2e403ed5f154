// Entry point of the worker role: Props for a worker actor. Messages live in Protocol.
using Akka.Actor;
using Dtrain.Models.Backends;
using Dtrain.Models.Data;

namespace Dtrain.Worker;

/// <summary>
/// A worker: a model replica on a compute backend that trains the partitions the coordinator hands it,
/// Downpour style (pull every n_fetch steps, push every n_push steps). Speaks
/// <see cref="Protocol.WorkerProtocol"/>.
/// </summary>
public static class Worker
{
    /// <summary>The dispatcher that gives each worker its own thread.</summary>
    public const string Dispatcher = "dtrain.worker-dispatcher";

    /// <summary>
    /// Props for a worker that reads examples from <paramref name="trainingSet"/> and computes on the backend
    /// <paramref name="backendFactory"/> makes (called once, on the worker's own thread).
    /// </summary>
    public static Props Props(ExampleSource trainingSet, Func<IBackend> backendFactory) =>
        Akka.Actor.Props.Create(() => new WorkerActor(trainingSet, backendFactory)).WithDispatcher(Dispatcher);

    /// <summary>
    /// As <see cref="Props(ExampleSource, Func{IBackend})"/>, for a cluster node: the worker reaches shards over their bulk
    /// data channel, proving <paramref name="bulkCredentials"/> (and with their certificate, over pinned TLS).
    /// </summary>
    public static Props Props(ExampleSource trainingSet, Func<IBackend> backendFactory, Protocol.Transport.BulkCredentials bulkCredentials) =>
        Props(_ => trainingSet, backendFactory, bulkCredentials);

    /// <summary>
    /// A cluster node's worker that finds each job's training examples with <paramref name="data"/> when it joins the
    /// job (on the worker's thread; a <see cref="Models.DtrainException"/> fails the job with its message), e.g. a
    /// <see cref="NodeData"/> that encodes the job's files on this node.
    /// </summary>
    public static Props Props(Func<Protocol.WorkerProtocol.JoinJob, ExampleSource> data, Func<IBackend> backendFactory, Protocol.Transport.BulkCredentials bulkCredentials) =>
        Akka.Actor.Props.Create(() => new WorkerActor(data, backendFactory, bulkCredentials)).WithDispatcher(Dispatcher);
}
