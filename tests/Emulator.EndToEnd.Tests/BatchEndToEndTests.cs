namespace Emulator.EndToEnd.Tests;

/// <summary>
/// Jobs and CronJobs through the real kubectl (1.33 and 1.27) on a cluster whose emulated time runs 20 times faster:
/// a Job waited for with <c>kubectl wait --for=condition=complete</c>, a Job created from a CronJob, a CronJob
/// suspended with a patch, and a delete that takes the Job's pods with it. Each client works in its own namespace.
/// </summary>
public sealed class BatchEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Manifests(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: work
          namespace: {ns}
        spec:
          completions: 3
          parallelism: 2
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: work
                image: busybox:1.36
                command: ["sh", "-c", "echo working; sleep 10"]
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: nightly
          namespace: {ns}
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers:
                  - name: report
                    image: busybox:1.36
                    command: ["sh", "-c", "echo report"]
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Wait_for_a_job_create_one_from_a_cronjob_suspend_the_cronjob_and_delete_with_the_pods(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = $"batch-{version.Replace(".", "", StringComparison.Ordinal)}";
        (await kubectl.RunWithInput(Manifests(ns), "apply", "-f", "-")).Succeeded();

        // 3 completions of 10 emulated seconds, 2 at a time: about 1 real second at time scale 20.
        var waited = (await kubectl.Run("wait", "--for=condition=complete", "job/work", "-n", ns, "--timeout=60s")).Succeeded();
        Assert.Contains("job.batch/work condition met", waited.Stdout);
        Assert.Equal("3", (await kubectl.Run("get", "job", "work", "-n", ns, "-o", "jsonpath={.status.succeeded}")).Succeeded().Stdout);

        (await kubectl.Run("create", "job", "manual", "--from=cronjob/nightly", "-n", ns)).Succeeded();
        // kubectl marks the Job it made from the CronJob: the CronJob controller leaves it alone.
        Assert.Equal("manual", (await kubectl.Run("get", "job", "manual", "-n", ns, "-o",
            "jsonpath={.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}")).Succeeded().Stdout);
        (await kubectl.Run("wait", "--for=condition=complete", "job/manual", "-n", ns, "--timeout=60s")).Succeeded();

        (await kubectl.Run("patch", "cronjob", "nightly", "-n", ns, "-p", """{"spec":{"suspend":true}}""")).Succeeded();
        Assert.Equal("true", (await kubectl.Run("get", "cronjob", "nightly", "-n", ns, "-o", "jsonpath={.spec.suspend}")).Succeeded().Stdout);

        // Deleting the Job takes its pods (the garbage collector follows their owner references).
        Assert.NotEmpty((await kubectl.Run("get", "pods", "-n", ns, "-l", "job-name=work", "-o", "name")).Succeeded().Stdout.Trim());
        (await kubectl.Run("delete", "job", "work", "-n", ns, "--cascade=foreground", "--timeout=60s")).Succeeded();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string left;
        do
        {
            left = (await kubectl.Run("get", "pods", "-n", ns, "-l", "job-name=work", "-o", "name")).Succeeded().Stdout.Trim();
        }
        while (left.Length > 0 && DateTime.UtcNow < deadline && await Pause());
        Assert.Equal("", left);
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(200);
        return true;
    }
}
