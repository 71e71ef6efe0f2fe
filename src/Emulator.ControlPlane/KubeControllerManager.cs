using Akka.Actor;
using Akka.Pattern;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.ApiRegistration;
using Emulator.ControlPlane.CertificateSigning;
using Emulator.ControlPlane.ClusterRoleAggregation;
using Emulator.ControlPlane.CronJob;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.DaemonSet;
using Emulator.ControlPlane.Deployment;
using Emulator.ControlPlane.Disruption;
using Emulator.ControlPlane.Endpoints;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.FlowControl;
using Emulator.ControlPlane.GarbageCollection;
using Emulator.ControlPlane.HorizontalPodAutoscaler;
using Emulator.ControlPlane.Ingress;
using Emulator.ControlPlane.IpAddress;
using Emulator.ControlPlane.Job;
using Emulator.ControlPlane.KubernetesService;
using Emulator.ControlPlane.LoadBalancer;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.Namespace;
using Emulator.ControlPlane.NodeIpam;
using Emulator.ControlPlane.NodeLifecycle;
using Emulator.ControlPlane.PodGarbageCollection;
using Emulator.ControlPlane.PriorityClass;
using Emulator.ControlPlane.RbacBootstrap;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.ReplicationController;
using Emulator.ControlPlane.ResourceQuota;
using Emulator.ControlPlane.Scheduling;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.ServiceCidr;
using Emulator.ControlPlane.StatefulSet;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.TtlAfterFinished;
using Emulator.ControlPlane.Volumes;

namespace Emulator.ControlPlane;

/// <summary>What the controllers of <see cref="KubeControllerManager"/> work with.</summary>
/// <param name="Store">The API store (or a client that reaches it).</param>
/// <param name="Hub">The watch hub the controllers' informers watch.</param>
/// <param name="Events">The event recorder.</param>
/// <param name="Metrics">metrics-server, for the horizontal pod autoscaler.</param>
/// <param name="Types">Every stored resource type (the namespace controller and the garbage collector walk them all).</param>
/// <param name="RootCa">The cluster's root CA (PEM), published as <c>kube-root-ca.crt</c>.</param>
/// <param name="ApiHost">The API server's address, the <c>kubernetes</c> Service's endpoint.</param>
/// <param name="ApiPort">The API server's port.</param>
/// <param name="ServedGroupVersions">The group versions the API serves, registered as Local APIServices.</param>
/// <param name="RestartBackoff">The shortest and longest wait (wall clock) before a stopped controller starts again (null: 200 ms to 10 s).</param>
/// <param name="SigningCa">The CA that signs approved CertificateSigningRequests (null: a CA of this controller manager's own).</param>
public sealed record KubeControllerManagerOptions(IActorRef Store, IActorRef Hub, IActorRef Events, IActorRef Metrics, IReadOnlyList<ResourceType> Types, string RootCa,
    string ApiHost, int ApiPort, IReadOnlyList<(string Group, string Version)> ServedGroupVersions, (TimeSpan Min, TimeSpan Max)? RestartBackoff = null,
    ClusterCertificateAuthority? SigningCa = null);

/// <summary>
/// kube-controller-manager: which controllers run, and how each is supervised. The same set runs in the cluster's
/// controller-manager singleton and in a simulation on virtual time.
/// </summary>
public static class KubeControllerManager
{
    /// <summary>Starts every controller under <paramref name="system"/>.</summary>
    public static void Start(IActorRefFactory system, KubeControllerManagerOptions options)
    {
        Supervised(system, options, "namespace-controller", Props.Create(() => new NamespaceController(options.Store, options.Hub, options.Types, TimeSpan.FromSeconds(5))));
        Supervised(system, options, "garbage-collector", Props.Create(() => new GarbageCollector(options.Store, options.Hub, options.Types, TimeSpan.FromSeconds(30))));
        StartWorkloadControllers(system, options);
        Supervised(system, options, "horizontal-pod-autoscaler", Props.Create(() => new HorizontalPodAutoscalerController(options.Store, options.Hub, options.Events, options.Metrics, null, null)));
        // The `kubernetes` Service's endpoints are the API server's own address, known once it listens.
        Supervised(system, options, "kubernetes-service", Props.Create(() => new KubernetesServiceController(options.Store, options.Hub, options.ApiHost, options.ApiPort, TimeSpan.FromMinutes(5))));
    }

    /// <summary>
    /// The workload and bookkeeping controllers, each under its own backoff supervisor; a restarted controller relists and
    /// carries on (they are level-triggered).
    /// </summary>
    private static void StartWorkloadControllers(IActorRefFactory system, KubeControllerManagerOptions options)
    {
        Supervised(system, options, "replicaset-controller", Props.Create(() => new ReplicaSetController(options.Store, options.Hub, options.Events, TimeSpan.FromMinutes(1))));
        Supervised(system, options, "replicationcontroller-controller", Props.Create(() => new ReplicationManager(options.Store, options.Hub, options.Events, TimeSpan.FromMinutes(1))));
        Supervised(system, options, "deployment-controller", Props.Create(() => new DeploymentController(options.Store, options.Hub, options.Events, TimeSpan.FromMinutes(1))));
        Supervised(system, options, "scheduler", Props.Create(() => new Scheduler(options.Store, options.Hub, options.Events, 0)));
        // Gives every Node its pod CIDR (--allocate-node-cidrs): kubelets take pod IPs from it.
        Supervised(system, options, "node-ipam-controller", Props.Create(() => new NodeIpamController(options.Store, options.Hub, options.Events, null)));
        Supervised(system, options, "node-lifecycle-controller", Props.Create(() => new NodeLifecycleController(options.Store, options.Hub, options.Events)));
        Supervised(system, options, "daemonset-controller", Props.Create(() => new DaemonSetController(options.Store, options.Hub, options.Events, TimeSpan.FromMinutes(1))));
        Supervised(system, options, "statefulset-controller", Props.Create(() => new StatefulSetController(options.Store, options.Hub, options.Events, TimeSpan.FromMinutes(1))));
        // Creates the default StorageClass ("standard", as kind ships) when the cluster has none.
        Supervised(system, options, "persistentvolume-controller", Props.Create(() => new PersistentVolumeController(options.Store, options.Hub, options.Events, TimeSpan.FromSeconds(15), true)));
        Supervised(system, options, "job-controller", Props.Create(() => new JobController(options.Store, options.Hub, options.Events, TimeSpan.FromMinutes(1))));
        Supervised(system, options, "cronjob-controller", Props.Create(() => new CronJobController(options.Store, options.Hub, options.Events, TimeSpan.FromMinutes(1))));
        Supervised(system, options, "ttl-after-finished-controller", Props.Create(() => new TtlAfterFinishedController(options.Store, options.Hub, TimeSpan.FromMinutes(1))));
        Supervised(system, options, "pod-garbage-collector", Props.Create(() => new PodGarbageCollector(options.Store, options.Hub, PodGarbageCollector.DefaultTerminatedPodThreshold)));
        Supervised(system, options, "serviceaccount-controller", Props.Create(() => new ServiceAccountController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        // The cluster's root CA, published as kube-root-ca.crt in every namespace.
        Supervised(system, options, "root-ca-cert-publisher", Props.Create(() => new RootCaCertPublisher(options.Store, options.Hub, options.RootCa, TimeSpan.FromMinutes(5))));
        Supervised(system, options, "system-priority-classes", Props.Create(() => new SystemPriorityClassController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        Supervised(system, options, "ingress-class", Props.Create(() => new IngressClassController(options.Store, options.Hub)));
        Supervised(system, options, "endpointslice-controller", Props.Create(() => new EndpointSliceController(options.Store, options.Hub, TimeSpan.FromMinutes(5), options.Events)));
        Supervised(system, options, "endpoints-controller", Props.Create(() => new EndpointsController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        // LoadBalancer Services' ingress addresses from emulator.load-balancer's pool (MetalLB's controller on kind).
        Supervised(system, options, "load-balancer-controller", Props.Create(() => new LoadBalancerController(options.Store, options.Hub, options.Events, null)));
        // The API server's IPAddress objects for the Services' cluster IPs (1.33's allocator and its repair loop).
        Supervised(system, options, "ipaddress-repair", Props.Create(() => new ServiceIpAddressController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        Supervised(system, options, "customresourcedefinition-controller", Props.Create(() => new CustomResourceDefinitionController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        // Resynced as rarely as the controller manager's informers (12 h): each sync of a budget without pods repeats its NoPods event.
        Supervised(system, options, "disruption-controller", Props.Create(() => new DisruptionController(options.Store, options.Hub, options.Events, TimeSpan.FromHours(12))));
        // The API server's own bootstrap objects: Local APIServices of the served group versions, API Priority and
        // Fairness' flow schemas and priority levels, the RBAC bootstrap roles and bindings, the default ServiceCIDR.
        Supervised(system, options, "apiservice-registration", Props.Create(() => new LocalApiServiceController(options.Store, options.Hub, options.ServedGroupVersions, TimeSpan.FromMinutes(5))));
        Supervised(system, options, "flowcontrol-config", Props.Create(() => new FlowControlConfigurationController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        Supervised(system, options, "rbac-bootstrap", Props.Create(() => new RbacBootstrapController(options.Store, options.Hub)));
        Supervised(system, options, "clusterrole-aggregation-controller", Props.Create(() => new ClusterRoleAggregationController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        Supervised(system, options, "default-servicecidr", Props.Create(() => new DefaultServiceCidrController(options.Store, options.Hub, TimeSpan.FromMinutes(5))));
        // Counts what ResourceQuotas track; a full recount every 5 minutes, as kube-controller-manager's default.
        // Signs approved CSRs of the built-in signers (--cluster-signing-cert-file/--cluster-signing-key-file).
        var signingCa = options.SigningCa ?? ClusterCertificateAuthority.Create();
        Supervised(system, options, "csrsigning-controller", Props.Create(() => new CsrSigningController(options.Store, options.Hub, signingCa, TimeSpan.FromMinutes(5))));
        Supervised(system, options, "resourcequota-controller", Props.Create(() => new ResourceQuotaController(options.Store, options.Hub, null, TimeSpan.FromMinutes(5))));
    }

    /// <summary>
    /// Runs an actor under a backoff supervisor: one that fails is restarted by the default strategy, and one that stops
    /// (a <c>Kill</c>, a chaos experiment) is started again after a short backoff, however often (-1 retries: no limit);
    /// a controller relists either way.
    /// </summary>
    public static IActorRef Supervised(IActorRefFactory system, string name, Props props) =>
        Supervised(system, name, props, (TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10)));

    private static IActorRef Supervised(IActorRefFactory system, KubeControllerManagerOptions options, string name, Props props) =>
        Supervised(system, name, props, options.RestartBackoff ?? (TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10)));

    // Akka's default decider stops an actor that gets a Kill (ActorKilledException); the backoff supervisor starts it again.
    private static IActorRef Supervised(IActorRefFactory system, string name, Props props, (TimeSpan Min, TimeSpan Max) backoff) =>
        system.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(props, name, backoff.Min, backoff.Max, 0.2, maxNrOfRetries: -1)), name + "-supervisor");
}
