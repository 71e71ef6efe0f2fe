using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Runtime.Time;

namespace Emulator.Node.Tests;

/// <summary>ConfigMaps and Secrets reaching containers: environment, mounted files, failures while they are missing.</summary>
public sealed class KubeletConfigSourceTests : NodeTestKit
{
    private static readonly ResourceType ConfigMaps = ResourceTypes.Of("", "configmaps");
    private static readonly ResourceType Secrets = ResourceTypes.Of("", "secrets");

    private void CreateConfigMap(string name, JsonObject data) =>
        Ok(new CreateObject(ConfigMaps, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" }, ["data"] = data }));

    private KubeObject CreatePodWith(JsonObject container, JsonArray? volumes = null)
    {
        var spec = new JsonObject { ["nodeName"] = "node-1", ["containers"] = new JsonArray(container) };
        if (volumes is not null)
        {
            spec["volumes"] = volumes;
        }
        var pod = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "default", ["labels"] = new JsonObject { ["app"] = "web" } }, ["spec"] = spec };
        return new KubeObject(Ok(new CreateObject(ResourceTypes.Pods, pod)).ToJsonObject());
    }

    [Fact]
    public void A_container_waits_in_CreateContainerConfigError_until_its_config_map_exists()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var container = Container("app", "busybox:1.36", "echo \"$GREETING\"; echo \"$(GREETING)\"; sleep 3600");
        container["env"] = JsonNode.Parse("""[{"name":"GREETING","valueFrom":{"configMapKeyRef":{"name":"settings","key":"greeting"}}}]""");
        container["args"]![0] = "echo \"$GREETING\"; echo \"$(GREETING)\"; sleep 3600";
        CreatePodWith(container);
        AwaitAssert(() =>
        {
            var status = ContainerStatus(Pod());
            Assert.Equal("CreateContainerConfigError", JsonTree.GetString(status, "state", "waiting", "reason"));
            Assert.Equal("configmap \"settings\" not found", JsonTree.GetString(status, "state", "waiting", "message"));
        });
        Assert.Equal("Pending", Phase(Pod()));
        Assert.Contains("Failed: Error: configmap \"settings\" not found", EventMessages());
        // Still waiting while nothing changed: the kubelet tries again every sync and fails the same way.
        Run(TimeSpan.FromSeconds(25));
        Assert.Equal("CreateContainerConfigError", Waiting(Pod()));

        CreateConfigMap("settings", new JsonObject { ["greeting"] = "hello" });
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        // The shell expands $GREETING; the kubelet expands $(GREETING) in the command before the shell sees it.
        Assert.Equal("hello\nhello\n", Logs().Text);
    }

    [Fact]
    public void A_missing_volume_source_holds_the_pod_in_ContainerCreating_with_FailedMount()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var container = Container("app", "busybox:1.36", "cat /etc/config/greeting; ls /etc/config; sleep 3600");
        container["volumeMounts"] = JsonNode.Parse("""[{"name":"config","mountPath":"/etc/config"}]""");
        CreatePodWith(container, JsonNode.Parse("""[{"name":"config","configMap":{"name":"settings"}}]""")!.AsArray());
        Run(TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.Contains("FailedMount: MountVolume.SetUp failed for volume \"config\" : configmap \"settings\" not found", EventMessages()));
        Assert.Equal("Pending", Phase(Pod()));
        Assert.DoesNotContain(EventMessages(), m => m.StartsWith("Pulling", StringComparison.Ordinal) || m.StartsWith("Pulled", StringComparison.Ordinal));

        CreateConfigMap("settings", new JsonObject { ["greeting"] = "hello", ["mode"] = "fast" });
        // The volume manager's back-off (0.5 s doubling) has reached a few seconds by now.
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        Assert.Equal("hello\ngreeting\nmode\n", Logs().Text);
    }

    /// <summary>Forwards to the store, holding back reads of ConfigMaps by an emulated delay (a store far slower than the kubelet's timeout).</summary>
    private sealed class SlowConfigMapReads(IActorRef store, TimeSpan delay) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is GetObject { Type.Resource: "configmaps" })
            {
                EmulatedTime.Get(Context.System).Scheduler.ScheduleTellOnce(delay, store, message, Sender);
            }
            else
            {
                store.Forward(message);
            }
        }
    }

    [Fact]
    public void A_store_slower_than_the_read_timeout_still_gets_the_pod_started()
    {
        // Every answer comes 30 s after its question, later than the kubelet's 10 s timeout: it asks again, and the
        // first late answer still counts (a fresh round at each timeout would never complete).
        StartHost(pullDelay: TimeSpan.Zero, store: Sys.ActorOf(Props.Create(() => new SlowConfigMapReads(Store, TimeSpan.FromSeconds(30)))));
        CreateConfigMap("settings", new JsonObject { ["greeting"] = "hello" });
        var container = Container("app", "busybox:1.36", "cat /etc/config/greeting; sleep 3600");
        container["volumeMounts"] = JsonNode.Parse("""[{"name":"config","mountPath":"/etc/config"}]""");
        CreatePodWith(container, JsonNode.Parse("""[{"name":"config","configMap":{"name":"settings"}}]""")!.AsArray());
        Run(TimeSpan.FromSeconds(40));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        Assert.Equal("hello\n", Logs().Text);
    }

    [Fact]
    public void Mounted_files_follow_a_changed_config_map_and_secrets_are_decoded()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreateConfigMap("settings", new JsonObject { ["greeting"] = "hello" });
        Ok(new CreateObject(Secrets, JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"default"},"data":{"password":"czNjcjN0"}}
            """)!.AsObject()));
        var container = Container("app", "busybox:1.36",
            "cat /etc/config/greeting /etc/creds/pw /etc/pod/labels /etc/pod/name; ls /etc /etc/pod; sleep 90; cat /etc/config/greeting; sleep 3600");
        container["volumeMounts"] = JsonNode.Parse("""
            [{"name":"config","mountPath":"/etc/config"},{"name":"creds","mountPath":"/etc/creds","readOnly":true},
             {"name":"pod","mountPath":"/etc/pod"},{"name":"scratch","mountPath":"/scratch"}]
            """);
        CreatePodWith(container, JsonNode.Parse("""
            [{"name":"config","configMap":{"name":"settings"}},
             {"name":"creds","secret":{"secretName":"creds","items":[{"key":"password","path":"pw"}]}},
             {"name":"pod","downwardAPI":{"items":[{"path":"labels","fieldRef":{"fieldPath":"metadata.labels"}},{"path":"name","fieldRef":{"fieldPath":"metadata.name"}}]}},
             {"name":"scratch","emptyDir":{}}]
            """)!.AsArray());
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        Assert.Equal("hello\ns3cr3t\napp=\"web\"\nweb\n/etc:\nconfig\ncreds\nhostname\nhosts\npod\nresolv.conf\n\n/etc/pod:\nlabels\nname\n", Logs().Text);

        var settings = new KubeObject(Ok(new GetObject(ConfigMaps, "default", "settings")).ToJsonObject());
        settings.Document["data"] = new JsonObject { ["greeting"] = "bonjour" };
        Ok(new UpdateObject(ConfigMaps, settings.Document));
        // The kubelet re-reads mounted ConfigMaps every sync period (a minute); the second cat runs 90 s after the start.
        Run(TimeSpan.FromSeconds(95));
        AwaitAssert(() => Assert.EndsWith("bonjour\n", Logs().Text, StringComparison.Ordinal));
    }
}

/// <summary>The projected service account token the kubelet writes into a pod.</summary>
public sealed class KubeletServiceAccountTokenTests : NodeTestKit
{
    private readonly ServiceAccountTokenIssuer _issuer = ServiceAccountTokenIssuer.CreateEphemeral();

    public KubeletServiceAccountTokenTests() => ServiceAccountTokens.Get(Sys).Issuer = _issuer;

    private KubeObject CreateTokenPod(string script)
    {
        var pod = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},
             "spec":{"nodeName":"node-1","serviceAccountName":"builder","containers":[{"name":"app","image":"busybox:1.36","command":["sh","-c"],"args":["SCRIPT"],
               "volumeMounts":[{"name":"kube-api-access","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}]}],
               "volumes":[{"name":"kube-api-access","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
                 {"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}]}}]}}
            """.Replace("SCRIPT", script, StringComparison.Ordinal))!.AsObject();
        return new KubeObject(Ok(new CreateObject(ResourceTypes.Pods, pod)).ToJsonObject());
    }

    private KubeObject CreateServiceAccount() => new(Ok(new CreateObject(ResourceTypes.Of("", "serviceaccounts"),
        JsonNode.Parse("""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"builder","namespace":"default"}}""")!.AsObject())).ToJsonObject());

    [Fact]
    public void The_token_file_is_a_token_bound_to_the_pod_and_renewed_at_80_percent_of_its_lifetime()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        var account = CreateServiceAccount();
        var pod = CreateTokenPod("cat /var/run/secrets/kubernetes.io/serviceaccount/token; sleep 2900; cat /var/run/secrets/kubernetes.io/serviceaccount/token; sleep 3600");
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        var first = Logs().Text!.Split('\n')[0];
        var (claims, error) = _issuer.Verify(first, Now) ?? default;
        Assert.Null(error);
        Assert.Equal("system:serviceaccount:default:builder", claims!.Subject);
        Assert.Equal(account.Uid, claims.ServiceAccount.Uid);
        Assert.Equal(new TokenBinding("web", pod.Uid!), claims.Pod);
        Assert.Equal("node-1", claims.Node?.Name);
        Assert.Equal([ServiceAccountTokenIssuer.DefaultIssuer], claims.Audiences);
        Assert.Equal(TimeSpan.FromSeconds(3607), claims.Expiry - claims.IssuedAt);

        // 2,900 s later more than 80% of 3,607 s has passed: the kubelet has a fresh token.
        Run(TimeSpan.FromSeconds(2905));
        var lines = Logs().Text!.Split('\n');
        Assert.NotEqual(first, lines[1]);
        var renewed = (_issuer.Verify(lines[1], Now) ?? default).Claims!;
        Assert.True(renewed.IssuedAt > claims.IssuedAt);
    }

    [Fact]
    public void Without_its_service_account_the_token_volume_fails_to_mount()
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreateTokenPod("sleep 3600");
        Run(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.Contains(
            "FailedMount: MountVolume.SetUp failed for volume \"kube-api-access\" : failed to fetch token: serviceaccounts \"builder\" not found", EventMessages()));
        Assert.Equal("Pending", Phase(Pod()));
        CreateServiceAccount();
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
    }
}
