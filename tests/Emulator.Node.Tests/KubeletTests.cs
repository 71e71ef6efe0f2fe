using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.Node.Tests;

public sealed class KubeletTests : NodeTestKit
{
    /// <summary>Forwards to the store, dropping the first list of pods (as a store that is moving loses it).</summary>
    private sealed class FirstPodListLost(IActorRef store) : UntypedActor
    {
        private bool _dropped;

        protected override void OnReceive(object message)
        {
            if (message is ListObjects { Type.Resource: "pods" } && !_dropped)
            {
                _dropped = true;
                return;
            }
            store.Forward(message);
        }
    }

    /// <summary>Forwards to the store, failing the first pod status write (as a store that is moving would answer it).</summary>
    private sealed class FirstStatusWriteFails(IActorRef store) : UntypedActor
    {
        private bool _failed;

        protected override void OnReceive(object message)
        {
            if (message is UpdateObject { Type.Resource: "pods", Scope: UpdateScope.Status } update && !_failed)
            {
                _failed = true;
                Sender.Tell(new StoreReply(null, ApiStatus.Internal("the store is moving")) { Correlation = update.Correlation });
                return;
            }
            store.Forward(message);
        }
    }

    [Fact]
    public void A_failed_status_write_is_written_again_at_the_status_sync_period()
    {
        StartHost(pullDelay: TimeSpan.FromMinutes(5), store: Sys.ActorOf(Props.Create(() => new FirstStatusWriteFails(Store))));
        CreatePod();
        Run(TimeSpan.FromSeconds(5));
        // The first status (Pending, ContainerCreating) was refused and nothing else changed since: none is stored yet.
        Assert.Null(Phase(Pod()));
        Run(TimeSpan.FromSeconds(6));
        AwaitAssert(() =>
        {
            Assert.Equal("Pending", Phase(Pod()));
            Assert.Equal("ContainerCreating", Waiting(Pod()));
        });
    }

    [Fact]
    public void A_kubelet_whose_first_list_is_lost_lists_again_and_runs_its_pods()
    {
        StartHost(pullDelay: TimeSpan.Zero, store: Sys.ActorOf(Props.Create(() => new FirstPodListLost(Store))));
        CreatePod();
        Run(TimeSpan.FromSeconds(15));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
    }

    [Fact]
    public void A_bound_pod_goes_pending_then_running_and_ready()
    {
        StartHost();
        CreatePod();
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Pending", Phase(pod));
            Assert.Equal("ContainerCreating", Waiting(pod));
            Assert.Equal("False", JsonTree.GetString(Condition(pod, "Ready"), "status"));
            Assert.Equal("ContainersNotReady", JsonTree.GetString(Condition(pod, "Ready"), "reason"));
            Assert.Equal("containers with unready status: [app]", JsonTree.GetString(Condition(pod, "Ready"), "message"));
            Assert.Equal("True", JsonTree.GetString(Condition(pod, "PodReadyToStartContainers"), "status"));
            Assert.Equal("True", JsonTree.GetString(Condition(pod, "Initialized"), "status"));
            Assert.Equal("10.244.0.2", JsonTree.GetString(pod.Document, "status", "podIP"));
        });
        Run(TimeSpan.FromSeconds(2));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Running", Phase(pod));
            var status = ContainerStatus(pod);
            Assert.NotNull(JsonTree.GetString(status, "state", "running", "startedAt"));
            Assert.Equal(true, JsonTree.GetBool(status, "ready"));
            Assert.Equal(true, JsonTree.GetBool(status, "started"));
            Assert.StartsWith("containerd://", JsonTree.GetString(status, "containerID"));
            Assert.Contains("@sha256:", JsonTree.GetString(status, "imageID"));
            foreach (var type in new[] { "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled" })
            {
                Assert.Equal("True", JsonTree.GetString(Condition(pod, type), "status"));
            }
            Assert.NotNull(JsonTree.GetString(pod.Document, "status", "hostIP"));
            Assert.NotNull(JsonTree.GetString(pod.Document, "status", "startTime"));
        });
        // Idle: nothing more is written.
        var version = Pod().ResourceVersion;
        Run(TimeSpan.FromMinutes(2));
        Assert.Equal(version, Pod().ResourceVersion);
    }

    [Fact]
    public void A_status_someone_else_writes_is_written_back_and_the_kubelets_own_writes_are_not_written_again()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod();
        Run(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.Equal(true, JsonTree.GetBool(ContainerStatus(Pod()), "ready")));
        // Its own writes came back and were recognised: idle, nothing more is written.
        var settled = Pod().ResourceVersion;
        Run(TimeSpan.FromSeconds(30));
        Assert.Equal(settled, Pod().ResourceVersion);

        var changed = Pod().DeepClone();
        ContainerStatus(changed)["ready"] = false;
        Ok(new UpdateObject(ResourceTypes.Pods, changed.Document, UpdateScope.Status));
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal(true, JsonTree.GetBool(ContainerStatus(Pod()), "ready")));
        var restored = Pod().ResourceVersion;
        Run(TimeSpan.FromSeconds(30));
        Assert.Equal(restored, Pod().ResourceVersion);
    }

    [Fact]
    public void Crashing_container_backs_off_10s_then_20s_and_keeps_logs()
    {
        StartHost();
        CreatePod(container: Container("app", "busybox:1.36", "echo hi; sleep 5; exit 1"));
        Run(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.NotNull(JsonTree.GetString(ContainerStatus(Pod()), "state", "running", "startedAt")));
        Assert.Equal("hi\n", Logs().Text);
        Assert.Contains(EventMessages(), m => m == "Pulling: Pulling image \"busybox:1.36\"");
        Assert.Contains(EventMessages(), m => m == "Created: Created container: app");
        Assert.Contains(EventMessages(), m => m == "Started: Started container app");
        Run(TimeSpan.FromSeconds(5));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("CrashLoopBackOff", Waiting(pod));
            Assert.Contains("back-off 10s", JsonTree.GetString(ContainerStatus(pod), "state", "waiting", "message"));
            Assert.Equal(0, RestartCount(pod));
            Assert.Equal(1, JsonTree.GetInt(ContainerStatus(pod), "lastState", "terminated", "exitCode"));
            Assert.Equal("Error", JsonTree.GetString(ContainerStatus(pod), "lastState", "terminated", "reason"));
            Assert.Equal("Running", Phase(pod));
        });
        Run(TimeSpan.FromSeconds(9));
        Assert.Equal("CrashLoopBackOff", Waiting(Pod()));
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal(1, RestartCount(pod));
            Assert.NotNull(JsonTree.GetString(ContainerStatus(pod), "state", "running", "startedAt"));
        });
        Assert.Equal("hi\n", Logs(previous: true).Text);
        Assert.Contains(EventMessages(), m => m.StartsWith("BackOff: Back-off restarting failed container app in pod web_default(", StringComparison.Ordinal));
        Assert.Contains(EventMessages(), m => m == "Pulled: Container image \"busybox:1.36\" already present on machine");
        Run(TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.Contains("back-off 20s", JsonTree.GetString(ContainerStatus(Pod()), "state", "waiting", "message")));
        Run(TimeSpan.FromSeconds(19));
        Assert.Equal(1, RestartCount(Pod()));
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal(2, RestartCount(Pod())));
        Assert.Equal("hi\n", Logs().Text);
    }

    [Theory]
    [InlineData("Never", "exit 1", "Failed")]
    [InlineData("Never", "echo done", "Succeeded")]
    [InlineData("OnFailure", "exit 0", "Succeeded")]
    public void Restart_policy_decides_the_final_phase(string policy, string script, string phase)
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: Container("app", "busybox:1.36", script), restartPolicy: policy);
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal(phase, Phase(pod));
            Assert.NotNull(JsonTree.GetInt(ContainerStatus(pod), "state", "terminated", "exitCode"));
            Assert.Equal("PodCompleted", JsonTree.GetString(Condition(pod, "Ready"), "reason"));
        });
        Run(TimeSpan.FromSeconds(30));
        Assert.Equal(0, RestartCount(Pod()));
    }

    [Fact]
    public void OnFailure_restarts_a_failed_container()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: Container("app", "busybox:1.36", "exit 3"), restartPolicy: "OnFailure");
        AwaitAssert(() => Assert.Equal("CrashLoopBackOff", Waiting(Pod())));
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(1, RestartCount(Pod())));
        Assert.Equal("Running", Phase(Pod()));
    }

    [Fact]
    public void Init_containers_run_in_order_before_the_app()
    {
        StartHost();
        CreatePod(container: Container("app", "busybox:1.36", "sleep 3600"),
            initContainers: new JsonArray(Container("first", "busybox:1.36", "echo one; sleep 3"), Container("second", "busybox:1.36", "sleep 3")));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Pending", Phase(pod));
            Assert.Equal("containers with incomplete status: [first second]", JsonTree.GetString(Condition(pod, "Initialized"), "message"));
            Assert.Equal("PodInitializing", Waiting(pod));
        });
        Run(TimeSpan.FromSeconds(2 + 3));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal(0, JsonTree.GetInt(ContainerStatus(pod, "first", "initContainerStatuses"), "state", "terminated", "exitCode"));
            Assert.NotNull(JsonTree.GetString(ContainerStatus(pod, "second", "initContainerStatuses"), "state", "running", "startedAt"));
            Assert.Equal("PodInitializing", Waiting(pod));
        });
        Run(TimeSpan.FromSeconds(3));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Running", Phase(pod));
            Assert.Equal("True", JsonTree.GetString(Condition(pod, "Initialized"), "status"));
            var first = ContainerStatus(pod, "first", "initContainerStatuses");
            var second = ContainerStatus(pod, "second", "initContainerStatuses");
            Assert.True(Rfc3339Time.Parse(JsonTree.GetString(first, "state", "terminated", "finishedAt")!)
                <= Rfc3339Time.Parse(JsonTree.GetString(second, "state", "terminated", "startedAt")!));
        });
        Assert.Equal("one\n", Logs(container: "first").Text);
    }

    [Fact]
    public void A_failing_init_container_fails_the_pod_under_restartPolicy_Never()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(restartPolicy: "Never", initContainers: new JsonArray(Container("setup", "busybox:1.36", "exit 2")));
        AwaitAssert(() => Assert.Equal("Failed", Phase(Pod())));
        Assert.Equal(2, JsonTree.GetInt(ContainerStatus(Pod(), "setup", "initContainerStatuses"), "state", "terminated", "exitCode"));
        Assert.Equal("PodInitializing", Waiting(Pod()));
        Run(TimeSpan.FromSeconds(30));
        Assert.Equal(0, JsonTree.GetInt(ContainerStatus(Pod(), "setup", "initContainerStatuses"), "restartCount"));
    }

    [Fact]
    public void Failing_readiness_probe_keeps_the_pod_unready_until_it_passes()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var container = Container();
        container["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["port"] = 80 }, ["periodSeconds"] = 5 };
        CreatePod(container: container, annotations: new() { ["emulator.k8s.io/probe-app-readiness"] = "fail" });
        Run(TimeSpan.FromSeconds(30));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Running", Phase(pod));
            Assert.Equal("False", JsonTree.GetString(Condition(pod, "Ready"), "status"));
            Assert.Equal("containers with unready status: [app]", JsonTree.GetString(Condition(pod, "ContainersReady"), "message"));
            Assert.Equal(false, JsonTree.GetBool(ContainerStatus(pod), "ready"));
        });
        var updated = Pod();
        updated.SetAnnotation("emulator.k8s.io/probe-app-readiness", "pass");
        updated.Metadata.Remove("resourceVersion");
        Ok(new UpdateObject(ResourceTypes.Pods, updated.Document));
        Run(TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.Equal("True", JsonTree.GetString(Condition(Pod(), "Ready"), "status")));
    }

    [Fact]
    public void Failing_liveness_probe_restarts_the_container()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var container = Container();
        container["livenessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = 80 }, ["periodSeconds"] = 10, ["failureThreshold"] = 3 };
        CreatePod(container: container, annotations: new() { ["emulator.k8s.io/probe-app-liveness"] = "fail" });
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        Run(TimeSpan.FromSeconds(20));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal(137, JsonTree.GetInt(ContainerStatus(pod), "lastState", "terminated", "exitCode"));
        });
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(1, RestartCount(Pod())));
        AwaitAssert(() => Assert.Contains(EventMessages(), m => m == "Killing: Container app failed liveness probe, will be restarted"));
    }

    [Fact]
    public void Image_pull_failure_shows_ErrImagePull_then_ImagePullBackOff()
    {
        StartHost();
        CreatePod(container: Container("app", "nginx:fail-pull"));
        Run(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.Equal("ErrImagePull", Waiting(Pod())));
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal("ImagePullBackOff", Waiting(Pod())));
        Assert.Equal("Pending", Phase(Pod()));
        Run(TimeSpan.FromSeconds(12));
        AwaitAssert(() => Assert.Equal("ErrImagePull", Waiting(Pod())));
    }

    [Fact]
    public void Deleting_a_pod_stops_its_containers_and_removes_it()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var container = Container();
        container["lifecycle"] = new JsonObject { ["preStop"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = new JsonArray("sleep", "5") } } };
        CreatePod(container: container);
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        var watcher = CreateTestProbe();
        Hub.Tell(new StartWatch("pods", "default", 0, null, watcher.Ref), watcher.Ref);
        var deleting = Ok(new DeleteObject(ResourceTypes.Pods, "default", "web", new DeleteOptions()));
        Assert.True(deleting.IsDeleting);
        Run(TimeSpan.FromSeconds(4));
        Assert.True(Send(new GetObject(ResourceTypes.Pods, "default", "web")).IsSuccess);
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal(404, Send(new GetObject(ResourceTypes.Pods, "default", "web")).Error?.Code));
        // The last status the kubelet wrote: the container ended on SIGTERM after its hook, the pod is terminal.
        var final = watcher.FishForMessage<WatchEvent>(e => e.Type == WatchEventType.Modified
            && new KubeObject(e.Object.ToJsonObject()).Status?["containerStatuses"]?[0]?["state"]?["terminated"] is not null);
        var pod = new KubeObject(final.Object.ToJsonObject());
        Assert.Equal(143, JsonTree.GetInt(ContainerStatus(pod), "state", "terminated", "exitCode"));
        Assert.Equal("Failed", Phase(pod));
        watcher.FishForMessage<WatchEvent>(e => e.Type == WatchEventType.Deleted);
    }

    [Fact]
    public void A_killed_kubelet_adopts_its_running_pods()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: Container("app", "busybox:1.36", "echo started; sleep 3600"));
        AwaitAssert(() => Assert.Equal("True", JsonTree.GetString(Condition(Pod(), "Ready"), "status")));
        Run(TimeSpan.FromSeconds(30));
        var before = ContainerStatus(Pod()).DeepClone().AsObject();
        var version = Pod().ResourceVersion;

        Sys.ActorSelection("/user/nodes/node-1-1/kubelet").Tell(Kill.Instance, TestActor);
        Run(TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.Equal("started\n", Logs().Text));
        var after = ContainerStatus(Pod());
        Assert.True(JsonTree.DeepEquals(before, after), after.ToJsonString());
        Assert.Equal(version, Pod().ResourceVersion);
    }

    [Fact]
    public void A_restarted_node_adopts_pods_and_a_crash_loop_keeps_its_restart_count()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: Container("app", "busybox:1.36", "sleep 3600"));
        CreatePod("crash", Container("app", "busybox:1.36", "echo x; sleep 5; exit 1"));
        Run(TimeSpan.FromSeconds(16));
        AwaitAssert(() => Assert.Equal(1, RestartCount(Pod("crash"))));
        var startedAt = JsonTree.GetString(ContainerStatus(Pod()), "state", "running", "startedAt");

        Host.Tell(new ControlPlane.Nodes.StopNode("node-1"), TestActor);
        ExpectMsg<ControlPlane.Nodes.NodeCommandReply>();
        Run(TimeSpan.FromSeconds(2));
        Host.Tell(new ControlPlane.Nodes.StartNode("node-1"), TestActor);
        ExpectMsg<ControlPlane.Nodes.NodeCommandReply>();
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() =>
        {
            Assert.Equal(startedAt, JsonTree.GetString(ContainerStatus(Pod()), "state", "running", "startedAt"));
            Assert.Equal(0, RestartCount(Pod()));
            Assert.True(RestartCount(Pod("crash")) >= 1);
        });
        Run(TimeSpan.FromSeconds(40));
        AwaitAssert(() => Assert.True(RestartCount(Pod("crash")) >= 2));
    }

    [Fact]
    public void A_container_that_exits_while_its_node_is_stopped_is_seen_exited_at_its_own_time()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: Container("app", "busybox:1.36", "sleep 20; exit 4"), restartPolicy: "Never");
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        var startedAt = Rfc3339Time.Parse(JsonTree.GetString(ContainerStatus(Pod()), "state", "running", "startedAt")!);
        Host.Tell(new ControlPlane.Nodes.StopNode("node-1"), TestActor);
        ExpectMsg<ControlPlane.Nodes.NodeCommandReply>();
        Run(TimeSpan.FromSeconds(60));
        Host.Tell(new ControlPlane.Nodes.StartNode("node-1"), TestActor);
        ExpectMsg<ControlPlane.Nodes.NodeCommandReply>();
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Failed", Phase(pod));
            Assert.Equal(4, JsonTree.GetInt(ContainerStatus(pod), "state", "terminated", "exitCode"));
            Assert.Equal(startedAt.AddSeconds(20), Rfc3339Time.Parse(JsonTree.GetString(ContainerStatus(pod), "state", "terminated", "finishedAt")!));
        });
    }

    [Fact]
    public void Many_pods_on_three_nodes_all_run_with_unique_ips()
    {
        StartHost(nodes: 3, pullDelay: TimeSpan.Zero);
        const int count = 300;
        for (var i = 0; i < count; i++)
        {
            CreatePod($"p-{i}", node: $"node-{(i % 3) + 1}");
        }
        AwaitAssert(() =>
        {
            Store.Tell(new ListObjects(ResourceTypes.Pods, "default"), TestActor);
            var pods = ExpectMsg<ListReply>().Items.Select(p => new KubeObject(p.ToJsonObject())).ToList();
            Assert.Equal(count, pods.Count(p => Phase(p) == "Running" && JsonTree.GetString(Condition(p, "Ready"), "status") == "True"));
            Assert.Equal(count, pods.Select(p => JsonTree.GetString(p.Document, "status", "podIP")).Distinct().Count());
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_sidecar_init_container_keeps_running_beside_the_app()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var sidecar = Container("proxy", "busybox:1.36", "echo proxy up; sleep 30; exit 1");
        sidecar["restartPolicy"] = "Always";
        CreatePod(container: Container("app", "busybox:1.36", "sleep 3600"), initContainers: new JsonArray(sidecar));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Running", Phase(pod));
            Assert.Equal("True", JsonTree.GetString(Condition(pod, "Initialized"), "status"));
            Assert.NotNull(JsonTree.GetString(ContainerStatus(pod, "proxy", "initContainerStatuses"), "state", "running", "startedAt"));
            Assert.NotNull(JsonTree.GetString(ContainerStatus(pod), "state", "running", "startedAt"));
        });
        Run(TimeSpan.FromSeconds(40));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal(1, JsonTree.GetInt(ContainerStatus(pod, "proxy", "initContainerStatuses"), "restartCount"));
            Assert.Equal("Running", Phase(pod));
            Assert.Equal("True", JsonTree.GetString(Condition(pod, "Initialized"), "status"));
            Assert.Equal(0, RestartCount(pod));
        });
    }

    [Fact]
    public void A_preStop_hook_longer_than_the_grace_period_is_cut_at_the_end_of_it()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var container = Container();
        container["lifecycle"] = new JsonObject { ["preStop"] = new JsonObject { ["sleep"] = new JsonObject { ["seconds"] = 120 } } };
        CreatePod(container: container);
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "web", new DeleteOptions(GracePeriodSeconds: 10)));
        Run(TimeSpan.FromSeconds(11));
        Assert.True(Send(new GetObject(ResourceTypes.Pods, "default", "web")).IsSuccess);
        Assert.Contains(EventMessages(), m => m == "Killing: Stopping container app");
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal(404, Send(new GetObject(ResourceTypes.Pods, "default", "web")).Error?.Code));
    }

    [Fact]
    public void Logs_support_tail_and_timestamps_and_explain_missing_runs()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: Container("app", "busybox:1.36", "echo one; sleep 1; echo two; echo three; sleep 3600"));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        Assert.Equal("one\n", Logs().Text);
        Run(TimeSpan.FromSeconds(1));
        Assert.Equal("one\ntwo\nthree\n", Logs().Text);
        Assert.Equal("three\n", Logs(tail: 1).Text);
        Host.Tell(new ControlPlane.Nodes.ReadContainerLog("node-1", "default", "web", null, Timestamps: true), TestActor);
        var stamped = ExpectMsg<ControlPlane.Nodes.ContainerLogReply>().Text!.Split('\n')[0];
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one$", stamped);
        Assert.Contains("previous terminated container \"app\"", Logs(previous: true).Error!.Message);
        Assert.Equal(400, Logs(container: "nope").Error!.Code);
        Assert.Equal(404, Logs(pod: "ghost").Error!.Code);
    }

    [Fact]
    public void A_full_pod_network_leaves_extra_pods_pending_with_an_event()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        for (var i = 0; i < 255; i++)
        {
            CreatePod($"p-{i}");
        }
        AwaitAssert(() =>
        {
            Store.Tell(new ListObjects(ResourceTypes.Pods, "default"), TestActor);
            var pods = ExpectMsg<ListReply>().Items.Select(p => new KubeObject(p.ToJsonObject())).ToList();
            Assert.Equal(253, pods.Count(p => Phase(p) == "Running"));
        }, TimeSpan.FromSeconds(30));
        Assert.Contains(EventMessages(), m => m.StartsWith("FailedCreatePodSandBox: ", StringComparison.Ordinal) && m.Contains("10.244.0.0/24", StringComparison.Ordinal));
        // One pod goes: its address is reused by a waiting pod.
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "p-0", new DeleteOptions(GracePeriodSeconds: 0)));
        AwaitAssert(() =>
        {
            Store.Tell(new ListObjects(ResourceTypes.Pods, "default"), TestActor);
            var pods = ExpectMsg<ListReply>().Items.Select(p => new KubeObject(p.ToJsonObject())).ToList();
            Assert.Equal(253, pods.Count(p => Phase(p) == "Running"));
            Assert.Equal(254, pods.Count);
        });
    }

    [Fact]
    public void A_startup_probe_gates_started_and_readiness_and_restarts_when_it_keeps_failing()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var container = Container();
        container["startupProbe"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = new JsonArray("true") }, ["periodSeconds"] = 5, ["failureThreshold"] = 2 };
        CreatePod(container: container, annotations: new() { ["emulator.k8s.io/probe-app-startup"] = "fail" });
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Running", Phase(pod));
            Assert.Equal(false, JsonTree.GetBool(ContainerStatus(pod), "started"));
            Assert.Equal(false, JsonTree.GetBool(ContainerStatus(pod), "ready"));
        });
        Run(TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.Equal("CrashLoopBackOff", Waiting(Pod())));
        Assert.Contains(EventMessages(), m => m == "Killing: Container app failed startup probe, will be restarted");
        var updated = Pod();
        updated.SetAnnotation("emulator.k8s.io/probe-app-startup", "pass");
        updated.Metadata.Remove("resourceVersion");
        Ok(new UpdateObject(ResourceTypes.Pods, updated.Document));
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal(1, RestartCount(pod));
            Assert.Equal(true, JsonTree.GetBool(ContainerStatus(pod), "started"));
            Assert.Equal("True", JsonTree.GetString(Condition(pod, "Ready"), "status"));
        });
    }

    [Fact]
    public void Pulled_images_stay_on_the_node_across_a_restart()
    {
        StartHost();
        CreatePod(container: Container("app", "busybox:1.36", "sleep 3600"));
        Run(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        Host.Tell(new ControlPlane.Nodes.StopNode("node-1"), TestActor);
        ExpectMsg<ControlPlane.Nodes.NodeCommandReply>();
        Host.Tell(new ControlPlane.Nodes.StartNode("node-1"), TestActor);
        ExpectMsg<ControlPlane.Nodes.NodeCommandReply>();
        Run(TimeSpan.FromSeconds(1));
        CreatePod("second", Container("app", "busybox:1.36", "sleep 3600"));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod("second"))));
    }
}
