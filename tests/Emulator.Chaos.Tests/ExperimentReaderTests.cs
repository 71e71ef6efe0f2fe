using Emulator.Chaos.Experiments;

namespace Emulator.Chaos.Tests;

/// <summary>Experiment files: what they read as, and the field-naming errors of malformed ones.</summary>
public sealed class ExperimentReaderTests
{
    private const string Minimal = """
        name: minimal
        invariants:
          - no-acknowledged-write-lost
        """;

    [Fact]
    public void A_minimal_experiment_gets_the_defaults()
    {
        var experiment = ExperimentReader.Read(Minimal, ".");
        Assert.Equal(ClusterMode.Virtual, experiment.Cluster.Mode);
        Assert.Equal(3, experiment.Cluster.Nodes);
        Assert.Equal(new ScheduleSpec(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1)), experiment.Schedule);
        Assert.Equal(new InvariantSpec("no-acknowledged-write-lost", null), Assert.Single(experiment.Invariants));
    }

    [Fact]
    public void A_fault_reads_with_its_schedule_and_a_repeating_one_starts_one_interval_in()
    {
        var experiment = ExperimentReader.Read("""
            name: faults
            faults:
              - action: kill-actor
                target: /user/nodes/*/kubelet
                every: 20s
                pick: 2
              - action: stop-node
                target: node-*
                at: 0s
                for: 1h30m
            invariants:
              - replicas-converge: deployment/web
              - converges-within: 2m
            """, ".");
        Assert.Equal(new FaultSpec(0, FaultAction.KillActor, "/user/nodes/*/kubelet", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), 2, null, null, 0), experiment.Faults[0]);
        Assert.Equal(new FaultSpec(1, FaultAction.StopNode, "node-*", TimeSpan.Zero, null, 1, TimeSpan.FromMinutes(90), null, 0), experiment.Faults[1]);
        Assert.Equal(new InvariantSpec("converges-within", "2m"), experiment.Invariants[1]);
    }

    [Theory]
    [InlineData("name: x\ninvariants: []", "invariants: Required value: an experiment checks at least one invariant")]
    [InlineData("invariants: [no-acknowledged-write-lost]", "name: Required value")]
    [InlineData("name: x\ncolour: red\ninvariants: [no-acknowledged-write-lost]", "colour: unknown field (known: name, description, cluster, workload, schedule, faults, invariants)")]
    [InlineData("name: x\ninvariants: [always-green]", "invariants[0]: Unsupported value: \"always-green\"")]
    [InlineData("name: x\ninvariants: [replicas-converge: web]", "invariants[0].replicas-converge: must be deployment/NAME, replicaset/NAME, statefulset/NAME or daemonset/NAME, got \"web\"")]
    [InlineData("name: x\ninvariants: [converges-within]", "invariants[0].converges-within: Required value")]
    [InlineData("name: x\nfaults: [{action: explode, target: x}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].action: Unsupported value: \"explode\"")]
    [InlineData("name: x\nfaults: [{action: kill-actor, target: kubelet}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].target: must be an actor path pattern under /user")]
    [InlineData("name: x\nfaults: [{action: stop-node, target: node-9, every: 0s}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].every: a duration must be more than 0")]
    [InlineData("name: x\nfaults: [{action: stop-node, target: node-9, pick: 0}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].pick: must be a whole number from 1 to 1000")]
    [InlineData("name: x\nfaults: [{action: partition, target: 127.0.0.1:2552}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].action: a partition cuts a link between processes: it needs cluster.mode attach")]
    [InlineData("name: x\nfaults: [{action: apply}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].manifest: Required value: an apply fault needs manifest or file")]
    [InlineData("name: x\ncluster: {mode: attach}\ninvariants: [no-acknowledged-write-lost]", "cluster: an attached cluster needs consoles")]
    [InlineData("name: x\nworkload: [{manifest: \"kind: [\"}]\ninvariants: [no-acknowledged-write-lost]", "workload[0].manifest:")]
    [InlineData("name: x\nworkload: [missing.yaml]\ninvariants: [no-acknowledged-write-lost]", "workload[0]:")]
    [InlineData("- just\n- a list", "an experiment is a YAML mapping")]
    [InlineData("name: [unclosed", "not valid YAML")]
    public void A_malformed_experiment_names_its_field(string text, string expected)
    {
        var error = Assert.Throws<ExperimentException>(() => ExperimentReader.Read(text, Path.GetTempPath()));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}
