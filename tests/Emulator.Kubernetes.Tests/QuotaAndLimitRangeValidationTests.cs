using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

/// <summary>ResourceQuota and LimitRange validation, in the API server's words.</summary>
public class QuotaAndLimitRangeValidationTests
{
    private static KubeObject Prepared(string yaml)
    {
        var obj = ManifestReader.ReadSingle("# test\n" + yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    private static List<string> Errors(string yaml)
    {
        var obj = Prepared(yaml);
        return ObjectValidator.Validate(obj, KindRegistry.Default.Resolve(obj)).Select(e => e.ToString()).ToList();
    }

    private static string Quota(string spec) => "{apiVersion: v1, kind: ResourceQuota, metadata: {name: q, namespace: default}, spec: " + spec + "}";

    private static string Limits(string items) => "{apiVersion: v1, kind: LimitRange, metadata: {name: l, namespace: default}, spec: {limits: " + items + "}}";

    [Fact]
    public void Quota_resources_must_be_known_to_quota_and_counts_whole()
    {
        Assert.Equal(
        [
            "spec.hard[pods]: Invalid value: \"1500m\": must be an integer",
            "spec.hard[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified",
            "spec.hard[foo]: Invalid value: \"foo\": must be a standard resource for quota",
            "spec.hard[storage]: Invalid value: \"storage\": must be a standard resource for quota",
            "spec.hard[requests.cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
        ], Errors(Quota("{hard: {pods: '1.5', foo: '1', storage: 1Gi, requests.cpu: '-1'}}")));

        Assert.Empty(Errors(Quota("{hard: {count/deployments.apps: '2', gold.storageclass.storage.k8s.io/requests.storage: 10Gi, "
            + "requests.nvidia.com/gpu: '1', requests.ephemeral-storage: 1Gi, services.nodeports: '0', hugepages-2Mi: 1Gi}}")));
    }

    [Fact]
    public void Quota_scopes_must_fit_the_resources_and_not_conflict()
    {
        Assert.Equal(
        [
            "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\"]: unsupported scope applied to resource",
            "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\"]: conflicting scopes",
        ], Errors(Quota("{hard: {pods: '2', requests.cpu: '1'}, scopes: [BestEffort, NotBestEffort]}")));
        Assert.Empty(Errors(Quota("{hard: {pods: '2', requests.cpu: '1'}, scopes: [NotTerminating, NotBestEffort]}")));

        Assert.Equal(
        [
            "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, "
                + "ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
            "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
            "spec.scopeSelector.matchExpressions.scopeName: Invalid value: \"Sometimes\": unsupported scope",
            "spec.scopeSelector.matchExpressions.operator: Invalid value: \"Near\": not a valid selector operator",
        ], Errors(Quota("{hard: {pods: '2'}, scopeSelector: {matchExpressions: [{scopeName: Terminating, operator: In, values: [x]}, "
            + "{scopeName: PriorityClass, operator: In}, {scopeName: Sometimes, operator: Near}]}}")));
        Assert.Empty(Errors(Quota("{hard: {pods: '2'}, scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In, values: [high]}]}}")));
    }

    [Fact]
    public void Quota_scopes_cannot_change_and_status_is_not_taken_from_the_client()
    {
        var old = Prepared(Quota("{hard: {pods: '2'}, scopes: [Terminating]}"));
        old.Metadata["resourceVersion"] = "1";
        var updated = Prepared(Quota("{hard: {pods: '3'}, scopes: [NotTerminating]}"));
        updated.Metadata["resourceVersion"] = "1";
        Assert.Equal(["spec.scopes: Invalid value: [\"NotTerminating\"]: field is immutable"],
            ObjectValidator.ValidateUpdate(updated, old, KindRegistry.Default.Resolve(old)).Select(e => e.ToString()));

        var created = Prepared("{apiVersion: v1, kind: ResourceQuota, metadata: {name: q, namespace: default}, spec: {hard: {pods: '2'}}, status: {used: {pods: '0'}}}");
        CreateDefaults.Apply(created);
        Assert.Equal("{}", JsonTree.ToCompactJson(created.Status));
    }

    [Fact]
    public void LimitRange_defaults_must_lie_between_min_and_max()
    {
        // The default request is defaulted from the default limit, so both are over the max.
        Assert.Equal(
        [
            "spec.limits[0].defaultRequest[cpu]: Invalid value: \"2\": default request value 2 is greater than max value 1",
            "spec.limits[0].default[cpu]: Invalid value: \"1\": default value 2 is greater than max value 1",
        ], Errors(Limits("[{type: Container, max: {cpu: '1'}, default: {cpu: '2'}}]")));
        Assert.Equal(
        [
            "spec.limits[0].defaultRequest[memory]: Invalid value: \"64Mi\": min value 128Mi is greater than default request value 64Mi",
            "spec.limits[0].default[memory]: Invalid value: \"128Mi\": min value 128Mi is greater than default value 64Mi",
        ], Errors(Limits("[{type: Container, min: {memory: 128Mi}, default: {memory: 64Mi}}]")));
        Assert.Equal(["spec.limits[0].defaultRequest[cpu]: Invalid value: \"500m\": default request value 500m is greater than default limit value 200m"],
            Errors(Limits("[{type: Container, default: {cpu: 200m}, defaultRequest: {cpu: 500m}}]")));
    }

    [Fact]
    public void LimitRange_types_resources_and_ratios_are_checked()
    {
        Assert.Equal(["spec.limits[0].type: Invalid value: \"Node\": must be a standard limit type or fully qualified"],
            Errors(Limits("[{type: Node, max: {cpu: '1'}}]")));
        // The max is also the defaulted default limit and request.
        Assert.Equal(
        [
            "spec.limits[0].max[storage]: Invalid value: \"storage\": must be a standard resource for containers",
            "spec.limits[0].default[storage]: Invalid value: \"storage\": must be a standard resource for containers",
            "spec.limits[0].defaultRequest[storage]: Invalid value: \"storage\": must be a standard resource for containers",
        ], Errors(Limits("[{type: Container, max: {storage: 1Gi}}]")));
        Assert.Equal(["spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided"],
            Errors(Limits("[{type: PersistentVolumeClaim, max: {cpu: '1'}}]")));
        Assert.Equal(
        [
            "spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: \"20\": ratio 20 is greater than max/min = 10.000000",
            "spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: \"500m\": ratio 500m is less than 1",
        ], Errors(Limits("[{type: Pod, min: {cpu: 100m}, max: {cpu: '1'}, maxLimitRequestRatio: {cpu: '20', memory: 500m}}]")));
        Assert.Equal(["spec.limits[1].type: Duplicate value: \"Container\""],
            Errors(Limits("[{type: Container, max: {cpu: '1'}}, {type: Container, max: {memory: 1Gi}}]")));
        Assert.Empty(Errors(Limits("[{type: Container, max: {cpu: '2', memory: 1Gi}, min: {cpu: 100m}, default: {cpu: 500m}, defaultRequest: {cpu: 200m}, "
            + "maxLimitRequestRatio: {cpu: '4'}}, {type: Pod, max: {cpu: '4'}}, {type: PersistentVolumeClaim, min: {storage: 1Gi}, max: {storage: 10Gi}}]")));
    }
}
