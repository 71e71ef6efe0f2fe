using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Scheduling;
using Emulator.ControlPlane.StatefulSet;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

public sealed class VolumeSchedulingTests : ClusterTestKit
{
    private static readonly ResourceType Claims = StorageObjects.Claims;
    private static readonly ResourceType Classes = StorageObjects.StorageClasses;

    private void StartCluster(bool volumeController = true)
    {
        foreach (var node in new[] { "node-1", "node-2", "node-3" })
        {
            AddNode(node);
        }
        Sys.ActorOf(Props.Create(() => new Scheduler(Store, Hub, Events, 0)), "scheduler");
        if (volumeController)
        {
            Sys.ActorOf(Props.Create(() => new PersistentVolumeController(Store, Hub, Events, null, true)), "persistentvolume-controller");
        }
        RunUntilIdleIfDeterministic();
    }

    private static JsonObject PodUsing(string name, params string[] claims) => PodWith(name, edit: spec =>
        spec["volumes"] = new JsonArray(claims.Select(c => (JsonNode)new JsonObject { ["name"] = c, ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = c } }).ToArray()));

    private static string? ScheduledMessage(KubeObject pod) => Condition(pod, "PodScheduled", "message");

    [Fact]
    public void A_pod_whose_claim_is_missing_stays_pending_with_the_schedulers_message()
    {
        StartCluster();
        Ok(new CreateObject(Pods, PodUsing("app", "data")));
        RunUntilIdleIfDeterministic();
        var pod = GetPod("app");
        Assert.Null(NodeOf(pod));
        Assert.Equal("0/3 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", ScheduledMessage(pod));
        Assert.Equal("Unschedulable", Condition(pod, "PodScheduled", "reason"));

        // The claim appears: the pod is scheduled (the default class provisions on its node).
        Ok(new CreateObject(Claims, PersistentVolumeControllerTests.Claim("data")));
        RunUntilIdleIfDeterministic();
        Assert.NotNull(NodeOf(GetPod("app")));
    }

    [Fact]
    public void A_pod_with_an_unbound_immediate_claim_waits()
    {
        StartCluster();
        // A class whose claims nothing provisions: the claim stays unbound.
        Ok(new CreateObject(Classes, PersistentVolumeControllerTests.StorageClass("manual", provisioner: StorageObjects.NoProvisioner)));
        Ok(new CreateObject(Claims, PersistentVolumeControllerTests.Claim("data", "manual")));
        Ok(new CreateObject(Pods, PodUsing("app", "data")));
        RunUntilIdleIfDeterministic();
        Assert.Equal("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", ScheduledMessage(GetPod("app")));
        Assert.Null(NodeOf(GetPod("app")));
    }

    [Fact]
    public void WaitForFirstConsumer_claims_get_the_pods_node_and_the_pod_is_bound_after_them()
    {
        StartCluster();
        Ok(new CreateObject(Claims, PersistentVolumeControllerTests.Claim("data")));
        var listed = Request<ListReply>(new ListObjects(Pods, "default"));
        var changes = CreateTestProbe();
        Hub.Tell(new StartWatch(null, "default", listed.ResourceVersion, null, changes.Ref));
        RunUntilIdleIfDeterministic();
        Ok(new CreateObject(Pods, PodUsing("app", "data")));
        RunUntilIdleIfDeterministic();

        var node = NodeOf(GetPod("app"));
        Assert.NotNull(node);
        var claim = Get(Claims, "default", "data");
        Assert.Equal(node, claim.Annotations[StorageObjects.SelectedNodeAnnotation]);
        Assert.Equal("Bound", JsonTree.GetString(claim.Document, "status", "phase"));
        var volume = Get(StorageObjects.Volumes, null, JsonTree.GetString(claim.Document, "spec", "volumeName")!);
        Assert.Equal(node, volume.Annotations[StorageObjects.SelectedNodeAnnotation]);
        // In store order: the claim was bound before the pod got its node.
        long? claimBound = null;
        long? podBound = null;
        while (changes.ReceiveOne(TimeSpan.Zero) is WatchEvent change)
        {
            var obj = new KubeObject(change.Object.ToJsonObject());
            if (obj.Kind == "PersistentVolumeClaim" && StorageObjects.VolumeName(obj) is not null)
            {
                claimBound ??= change.ResourceVersion;
            }
            if (obj.Kind == "Pod" && NodeOf(obj) is not null)
            {
                podBound ??= change.ResourceVersion;
            }
        }
        Assert.True(claimBound < podBound, $"claim bound at {claimBound}, pod at {podBound}");

        // A second pod using the bound claim must go where its volume is.
        Ok(new CreateObject(Pods, PodUsing("other", "data")));
        RunUntilIdleIfDeterministic();
        Assert.Equal(node, NodeOf(GetPod("other")));
    }

    [Fact]
    public void A_volume_on_an_unschedulable_node_leaves_the_pod_pending_with_a_node_affinity_conflict()
    {
        StartCluster();
        Ok(new CreateObject(Claims, PersistentVolumeControllerTests.Claim("data")));
        Ok(new CreateObject(Pods, PodUsing("app", "data")));
        RunUntilIdleIfDeterministic();
        var node = NodeOf(GetPod("app"))!;
        Ok(new DeleteObject(Pods, "default", "app", new DeleteOptions(GracePeriodSeconds: 0)));
        var cordoned = GetNode(node);
        cordoned.EnsureSpec()["unschedulable"] = true;
        Ok(new UpdateObject(ResourceTypes.Nodes, cordoned.Document));
        Ok(new CreateObject(Pods, PodUsing("again", "data")));
        RunUntilIdleIfDeterministic();
        Assert.Equal($"0/3 nodes are available: 1 node(s) were unschedulable, 2 {VolumeBinding.NodeConflict}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", ScheduledMessage(GetPod("again")));
    }

    [Fact]
    public void A_StatefulSet_with_claim_templates_comes_up_with_bound_volumes_on_the_scheduled_nodes()
    {
        StartCluster();
        Sys.ActorOf(Props.Create(() => new StatefulSetController(Store, Hub, Events, null)), "statefulset-controller");
        var template = new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } },
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "app",
                    ["image"] = "nginx",
                    ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "www", ["mountPath"] = "/data" }),
                }),
            },
        };
        var set = Object("StatefulSet", "default", "web", new JsonObject
        {
            ["replicas"] = 3,
            ["serviceName"] = "nginx",
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
            ["template"] = template,
            ["volumeClaimTemplates"] = new JsonArray(PersistentVolumeControllerTests.Claim("www")),
        });
        set["apiVersion"] = "apps/v1";
        Ok(new CreateObject(StatefulSetController.StatefulSets, set));
        for (var i = 0; i < 10; i++)
        {
            RunUntilIdleIfDeterministic();
            foreach (var pod in Request<ListReply>(new ListObjects(Pods, "default")).Items.Select(p => new KubeObject(p.ToJsonObject())))
            {
                if (NodeOf(pod) is not null && !new PodView(pod).IsReady)
                {
                    MarkRunningAndReady(pod.Name!);
                }
            }
        }
        for (var i = 0; i < 3; i++)
        {
            var pod = GetPod($"web-{i}");
            var claim = Get(Claims, "default", $"www-web-{i}");
            Assert.Equal("Bound", JsonTree.GetString(claim.Document, "status", "phase"));
            Assert.Equal(NodeOf(pod), claim.Annotations[StorageObjects.SelectedNodeAnnotation]);
        }
    }

    private void MarkRunningAndReady(string name)
    {
        var pod = GetPod(name);
        var status = pod.EnsureStatus();
        status["phase"] = "Running";
        Conditions.Set(status, "Ready", "True", null, null, Now);
        Ok(new UpdateObject(Pods, pod.Document, UpdateScope.Status));
    }
}
