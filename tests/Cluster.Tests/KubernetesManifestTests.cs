// The Kubernetes manifests in deploy/k8s hang together: kinds present, selectors match pod labels, Service
// ports name container ports, the seed address is the coordinator's headless-Service DNS name, workers ask for a GPU,
// every node holds the cluster secret.
using YamlDotNet.RepresentationModel;

namespace Dtrain.Cluster.Tests;

public sealed class KubernetesManifestTests
{
    private static readonly List<YamlMappingNode> Documents = Load();

    [Fact]
    public void Manifests_define_the_cluster_s_kinds()
    {
        // Assert
        var kinds = Documents.Select(d => Str(d, "kind")).ToList();
        Assert.Equal(2, kinds.Count(k => k == "StatefulSet"));
        Assert.Single(kinds, "Deployment");
        Assert.Single(kinds, "ConfigMap");
        Assert.Equal(2, kinds.Count(k => k == "Service"));
        Assert.All(Of("Service"), s => Assert.Equal("None", Str(s, "spec", "clusterIP")));
        var coordinator = Named("StatefulSet", "dtrain-coordinator");
        Assert.NotEmpty(Seq(coordinator, "spec", "volumeClaimTemplates").Children); // checkpoints survive the pod
    }

    [Fact]
    public void Every_workload_selector_matches_its_pod_labels_and_every_service_selects_a_workload()
    {
        foreach (var workload in Of("StatefulSet").Concat(Of("Deployment")))
        {
            var selector = Labels(Map(workload, "spec", "selector", "matchLabels"));
            var podLabels = Labels(Map(workload, "spec", "template", "metadata", "labels"));
            Assert.All(selector, kv => Assert.True(podLabels.GetValueOrDefault(kv.Key) == kv.Value, $"{Name(workload)}: selector {kv.Key}={kv.Value} does not match its pod labels"));
        }

        foreach (var service in Of("Service"))
        {
            var selector = Labels(Map(service, "spec", "selector"));
            var matched = Of("StatefulSet").Concat(Of("Deployment"))
                .Where(w => selector.All(kv => Labels(Map(w, "spec", "template", "metadata", "labels")).GetValueOrDefault(kv.Key) == kv.Value))
                .ToList();
            Assert.True(matched.Count == 1, $"Service {Name(service)} selects {matched.Count} workloads");
            var containerPorts = Containers(matched[0]).SelectMany(c => Seq(c, "ports").Children.Cast<YamlMappingNode>()).Select(p => Str(p, "name")).ToHashSet();
            foreach (var port in Seq(service, "spec", "ports").Children.Cast<YamlMappingNode>())
            {
                Assert.True(containerPorts.Contains(Str(port, "targetPort")), $"Service {Name(service)} targets port '{Str(port, "targetPort")}' that {Name(matched[0])} does not expose");
            }
        }

        foreach (var set in Of("StatefulSet"))
        {
            Assert.True(Of("Service").Any(s => Name(s) == Str(set, "spec", "serviceName")), $"StatefulSet {Name(set)} names a missing Service");
        }
    }

    [Fact]
    public void Seeds_point_at_the_coordinator_pod_through_its_headless_service()
    {
        // Arrange
        var config = Map(Named("ConfigMap", "dtrain-config"), "data");
        var coordinator = Named("StatefulSet", "dtrain-coordinator");
        var service = Named("Service", Str(coordinator, "spec", "serviceName"));
        var akkaPort = Seq(service, "spec", "ports").Children.Cast<YamlMappingNode>().Single(p => Str(p, "name") == "akka");

        // Act
        var seeds = Str(config, "DTRAIN_SEEDS").Split(',');

        // Assert
        Assert.All(seeds, seed => Assert.StartsWith($"{Name(coordinator)}-0.{Name(service)}.", seed));
        Assert.All(seeds, seed => Assert.EndsWith($":{Str(akkaPort, "port")}", seed));
        Assert.Equal(Str(akkaPort, "port"), Str(config, "DTRAIN_PORT"));
        foreach (var workload in Of("StatefulSet").Concat(Of("Deployment")))
        {
            Assert.All(Containers(workload), c => Assert.Contains(
                Seq(c, "envFrom").Children.Cast<YamlMappingNode>(),
                e => Str(e, "configMapRef", "name") == "dtrain-config"));
        }
    }

    [Fact]
    public void Workers_request_a_gpu_and_run_the_worker_role()
    {
        var workers = Of("Deployment").Single();
        var container = Containers(workers).Single();
        Assert.Equal("1", Str(container, "resources", "limits", "nvidia.com/gpu"));
        Assert.Equal("1", Str(container, "resources", "requests", "nvidia.com/gpu"));
        Assert.Equal(["node", "--roles", "worker"], Seq(container, "args").Children.Select(a => ((YamlScalarNode)a).Value!));
    }

    [Fact]
    public void Every_workload_takes_the_cluster_secret_from_the_one_secret_manifest()
    {
        // Arrange
        var secret = Named("Secret", "dtrain-cluster-secret");
        var key = Assert.Single(Map(secret, "stringData").Children).Key.ToString();

        // Assert: without DTRAIN_SECRET a node refuses to start; each role gets it from the same Secret and key.
        foreach (var workload in Of("StatefulSet").Concat(Of("Deployment")))
        {
            Assert.All(Containers(workload), c =>
            {
                var env = Seq(c, "env").Children.Cast<YamlMappingNode>().SingleOrDefault(e => Str(e, "name") == "DTRAIN_SECRET");
                Assert.True(env is not null, $"{Name(workload)} does not set DTRAIN_SECRET");
                Assert.Equal(("dtrain-cluster-secret", key), (Str(env!, "valueFrom", "secretKeyRef", "name"), Str(env!, "valueFrom", "secretKeyRef", "key")));
            });
        }
    }

    [Fact]
    public void The_coordinator_and_the_workers_mount_the_shared_data_volume_read_only_at_one_path()
    {
        // Arrange: one claim that many pods may mount at once.
        var claim = Named("PersistentVolumeClaim", "dtrain-data");
        Assert.Equal(["ReadOnlyMany"], Seq(claim, "spec", "accessModes").Children.Select(a => ((YamlScalarNode)a).Value!));

        // Assert: a job names its files by one path, so every pod that reads data mounts the claim at the same place.
        var paths = new HashSet<string>();
        foreach (var workload in new[] { Named("StatefulSet", "dtrain-coordinator"), Of("Deployment").Single() })
        {
            var volume = Seq(workload, "spec", "template", "spec", "volumes").Children.Cast<YamlMappingNode>()
                .Single(v => v.Children.ContainsKey(new YamlScalarNode("persistentVolumeClaim")) && Str(v, "persistentVolumeClaim", "claimName") == "dtrain-data");
            Assert.Equal("true", Str(volume, "persistentVolumeClaim", "readOnly"));
            var mount = Containers(workload).Single().Children[new YamlScalarNode("volumeMounts")] is YamlSequenceNode mounts
                ? mounts.Children.Cast<YamlMappingNode>().Single(m => Str(m, "name") == Str(volume, "name"))
                : throw new Xunit.Sdk.XunitException($"{Name(workload)} mounts no volume");
            Assert.Equal("true", Str(mount, "readOnly"));
            paths.Add(Str(mount, "mountPath"));
        }

        Assert.Single(paths);
        Assert.NotEqual("/data", paths.Single()); // the image keeps MNIST under /data/mnist
    }

    private static List<YamlMappingNode> Load()
    {
        var folder = LocalCluster.Example("mnist-mlp.json");
        var k8s = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(folder))!, "deploy", "k8s");
        var documents = new List<YamlMappingNode>();
        foreach (var file in Directory.GetFiles(k8s, "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            documents.AddRange(stream.Documents.Select(d => (YamlMappingNode)d.RootNode));
        }

        return documents;
    }

    private static IEnumerable<YamlMappingNode> Of(string kind) => Documents.Where(d => Str(d, "kind") == kind);

    private static YamlMappingNode Named(string kind, string name) =>
        Of(kind).SingleOrDefault(d => Name(d) == name) ?? throw new Xunit.Sdk.XunitException($"no {kind} named {name} in deploy/k8s");

    private static string Name(YamlMappingNode d) => Str(d, "metadata", "name");

    private static IEnumerable<YamlMappingNode> Containers(YamlMappingNode workload) =>
        Seq(workload, "spec", "template", "spec", "containers").Children.Cast<YamlMappingNode>();

    private static Dictionary<string, string> Labels(YamlMappingNode map) =>
        map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!);

    private static YamlNode Node(YamlMappingNode root, params string[] path)
    {
        YamlNode node = root;
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var child)
                ? child
                : throw new Xunit.Sdk.XunitException($"missing '{string.Join('.', path)}' in a {Str(root, "kind")}");
        }

        return node;
    }

    private static YamlMappingNode Map(YamlMappingNode root, params string[] path) => (YamlMappingNode)Node(root, path);

    private static YamlSequenceNode Seq(YamlMappingNode root, params string[] path) => (YamlSequenceNode)Node(root, path);

    private static string Str(YamlMappingNode root, params string[] path) => ((YamlScalarNode)Node(root, path)).Value!;
}
