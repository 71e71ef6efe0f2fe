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

    [Fact]
    public void Process_and_journal_faults_read_with_their_worker_pattern_and_delay()
    {
        var experiment = ExperimentReader.Read("""
            name: faults
            cluster:
              workers: 2
              nodes: 2
            faults:
              - action: kill-process
                target: w1
                for: 8m
              - action: kill-process
              - action: delay-journal
                delay: 250ms
                for: 1m
            invariants:
              - killed-node-pods-replaced
            """, ".");
        Assert.Equal(2, experiment.Cluster.Workers);
        Assert.Equal(new FaultSpec(0, FaultAction.KillProcess, "w1", TimeSpan.Zero, null, 1, TimeSpan.FromMinutes(8), null, 0), experiment.Faults[0]);
        Assert.Equal("*", experiment.Faults[1].Target);
        Assert.Equal(new FaultSpec(2, FaultAction.DelayJournal, "", TimeSpan.Zero, null, 1, TimeSpan.FromMinutes(1), null, 0) { Delay = TimeSpan.FromMilliseconds(250) }, experiment.Faults[2]);
    }

    [Theory]
    [InlineData("name: x\nfaults: [{action: delay-journal}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].delay: Required value")]
    [InlineData("name: x\nfaults: [{action: delay-journal, delay: 0s}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].delay: a duration must be more than 0")]
    [InlineData("name: x\nfaults: [{action: stop-node, target: node-1, delay: 1s}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].delay: only a delay-journal fault has a delay")]
    [InlineData("name: x\ncluster: {mode: attach, consoles: [\"127.0.0.1:1\", \"127.0.0.1:2\"], api: \"http://127.0.0.1:3\"}\nfaults: [{action: kill-process}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].member: the experiment observes the cluster through consoles[0]")]
    [InlineData("name: x\ncluster: {mode: attach, workers: 2, consoles: [\"127.0.0.1:1\"], api: \"http://127.0.0.1:3\"}\ninvariants: [no-acknowledged-write-lost]", "cluster.workers: an attached cluster's workers are its running members")]
    [InlineData("name: x\ncluster: {workers: 11}\ninvariants: [no-acknowledged-write-lost]", "cluster.workers: must be a whole number from 1 to 10")]
    public void A_malformed_process_or_journal_fault_names_its_field(string text, string expected)
    {
        var error = Assert.Throws<ExperimentException>(() => ExperimentReader.Read(text, Path.GetTempPath()));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
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
    [InlineData("name: x\nfaults: [{action: lossy-link, target: 127.0.0.1:2552, drop: 0.1}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].action: a lossy link is a link between processes: it needs cluster.mode attach")]
    [InlineData("name: x\ncluster: {mode: attach, consoles: [\"127.0.0.1:9110\"], api: \"http://127.0.0.1:6443\"}\nfaults: [{action: lossy-link, target: 127.0.0.1:2552}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].drop: Required value: the probability (0 to 1) with which each message on the link is lost")]
    [InlineData("name: x\ncluster: {mode: attach, consoles: [\"127.0.0.1:9110\"], api: \"http://127.0.0.1:6443\"}\nfaults: [{action: lossy-link, target: 127.0.0.1:2552, drop: 1.5}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].drop: must be a number above 0 and at most 1, got 1.5")]
    [InlineData("name: x\nfaults: [{action: stop-node, target: node-1, drop: 0.5}]\ninvariants: [no-acknowledged-write-lost]", "faults[0].drop: only a lossy-link fault has a drop probability")]
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
