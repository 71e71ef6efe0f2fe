using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

/// <summary>Job <c>spec.podFailurePolicy</c> validation, with the messages of Kubernetes 1.33's <c>validatePodFailurePolicy</c>.</summary>
public class PodFailurePolicyValidationTests
{
    private static List<string> Errors(string rules, string restartPolicy = "Never", string extraSpec = "")
    {
        var job = ManifestReader.ReadSingle($$"""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: j, namespace: default}
            spec:
              {{extraSpec}}
              podFailurePolicy:
                rules: {{rules}}
              template:
                spec:
                  restartPolicy: {{restartPolicy}}
                  initContainers: [{name: setup, image: b}]
                  containers: [{name: main, image: b}]
            """);
        ObjectDefaulter.Apply(job);
        job.Uid = "11111111-2222-3333-4444-555555555555";
        CreateDefaults.Apply(job);
        return ObjectValidator.Validate(job, KindRegistry.Default.Resolve(job)).Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void Valid_exit_code_and_condition_rules_pass()
    {
        Assert.Empty(Errors("[{action: FailJob, onExitCodes: {containerName: main, operator: In, values: [1, 2, 42]}}, "
            + "{action: Ignore, onPodConditions: [{type: DisruptionTarget, status: \"True\"}]}, {action: Count, onExitCodes: {operator: NotIn, values: [0]}}]"));
    }

    [Fact]
    public void Only_restart_policy_Never_is_supported()
    {
        var rule = "[{action: FailJob, onExitCodes: {operator: In, values: [1]}}]";
        Assert.Equal("spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified",
            Assert.Single(Errors(rule, restartPolicy: "OnFailure")));
        Assert.Equal("spec.podReplacementPolicy: Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\"",
            Assert.Single(Errors(rule, extraSpec: "podReplacementPolicy: TerminatingOrFailed")));
    }

    [Fact]
    public void Actions_are_checked()
    {
        Assert.Equal("spec.podFailurePolicy.rules[0].action: Unsupported value: \"Restart\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"",
            Assert.Single(Errors("[{action: Restart, onExitCodes: {operator: In, values: [1]}}]")));
        Assert.Equal("spec.podFailurePolicy.rules[0].action: Required value: valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]",
            Assert.Single(Errors("[{onExitCodes: {operator: In, values: [1]}}]")));
        Assert.Equal("spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set",
            Assert.Single(Errors("[{action: FailIndex, onExitCodes: {operator: In, values: [1]}}]")));
    }

    [Fact]
    public void Exit_code_requirements()
    {
        Assert.Equal(
        [
            "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
        ], Errors("[{action: FailJob, onExitCodes: {operator: In, values: [0, 3]}}]"));
        Assert.Equal(
        [
            "spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3",
            "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [5,3,3]: must be ordered",
        ], Errors("[{action: FailJob, onExitCodes: {operator: NotIn, values: [5, 3, 3]}}]"));
        Assert.Equal("spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: \"Equals\": supported values: \"In\", \"NotIn\"",
            Assert.Single(Errors("[{action: FailJob, onExitCodes: {operator: Equals, values: [1]}}]")));
        Assert.Equal("spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: [\"In\" \"NotIn\"]",
            Assert.Single(Errors("[{action: FailJob, onExitCodes: {values: [1]}}]")));
        Assert.Equal("spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: \"sidecar\": must be one of the container or initContainer names in the pod template",
            Assert.Single(Errors("[{action: FailJob, onExitCodes: {containerName: sidecar, operator: In, values: [1]}}]")));
        Assert.Empty(Errors("[{action: FailJob, onExitCodes: {containerName: setup, operator: In, values: [1]}}]"));
        Assert.Equal("spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []: at least one value is required",
            Assert.Single(Errors("[{action: FailJob, onExitCodes: {operator: In, values: []}}]")));
        var tooMany = "[" + string.Join(", ", Enumerable.Range(1, 256)) + "]";
        Assert.Equal("spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items",
            Assert.Single(Errors($"[{{action: FailJob, onExitCodes: {{operator: In, values: {tooMany}}}}}]")));
    }

    [Fact]
    public void Exactly_one_of_exit_codes_and_pod_conditions()
    {
        Assert.Equal("spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
            Assert.Single(Errors("[{action: Ignore}]")));
        Assert.Equal("spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
            Assert.Single(Errors("[{action: Ignore, onExitCodes: {operator: In, values: [1]}, onPodConditions: [{type: DisruptionTarget, status: \"True\"}]}]")));
    }

    [Fact]
    public void Pod_condition_patterns()
    {
        Assert.Equal("spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: \"Yes\": supported values: \"False\", \"True\", \"Unknown\"",
            Assert.Single(Errors("[{action: Ignore, onPodConditions: [{type: DisruptionTarget, status: \"Yes\"}]}]")));
        // A missing status is defaulted to True (SetDefaults_PodFailurePolicyOnPodConditionsPattern) before validation.
        Assert.Empty(Errors("[{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]"));
        var type = Assert.Single(Errors("[{action: Ignore, onPodConditions: [{type: \"not a type\", status: \"True\"}]}]"));
        Assert.StartsWith("spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: \"not a type\": name part must consist of alphanumeric characters", type);
    }

    [Fact]
    public void At_most_twenty_rules()
    {
        var rules = "[" + string.Join(", ", Enumerable.Repeat("{action: Ignore, onPodConditions: [{type: DisruptionTarget, status: \"True\"}]}", 21)) + "]";
        Assert.Equal("spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items", Assert.Single(Errors(rules)));
    }
}
