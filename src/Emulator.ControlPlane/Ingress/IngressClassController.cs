using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Ingress;

/// <summary>
/// The emulator's ingress class, as an ingress controller installed with the cluster brings its own (kind with
/// ingress-nginx has <c>nginx</c>): the IngressClass <c>emulator</c>, marked as the cluster's default so Ingresses
/// without a class get it at admission (the DefaultIngressClass plugin). It is created when the controller starts and
/// finds none of that name; Ingresses are stored, validated and printed, not routed.
/// </summary>
public sealed class IngressClassController : Controller
{
    /// <summary><c>networking.k8s.io/v1</c> IngressClasses.</summary>
    public static readonly ResourceType IngressClasses = ResourceTypes.Of("networking.k8s.io", "ingressclasses");

    /// <summary>The class's name.</summary>
    public const string ClassName = "emulator";

    /// <summary>The controller the class names (<c>spec.controller</c>, a domain-prefixed path).</summary>
    public const string ControllerName = "emulator.k8s.io/ingress-controller";

    /// <summary>The annotation that makes an IngressClass the default.</summary>
    public const string DefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

    private bool _ensured;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    public IngressClassController(IActorRef store, IActorRef watchHub)
        : base(store, watchHub, [IngressClasses])
    {
    }

    /// <summary>The class as it is created.</summary>
    public static JsonObject EmulatorClass() => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "IngressClass",
        ["metadata"] = new JsonObject
        {
            ["name"] = ClassName,
            ["annotations"] = new JsonObject { [DefaultClassAnnotation] = "true" },
        },
        ["spec"] = new JsonObject { ["controller"] = ControllerName },
    };

    /// <inheritdoc />
    protected override void OnSynced() => Enqueue(new ObjectKey(IngressClasses.Key, null, ClassName));

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        // Once per start: a user who deletes the class keeps it deleted until the control plane restarts, as an add-on's
        // installer would bring it back only when run again.
        if (_ensured || key.Name != ClassName)
        {
            return;
        }
        _ensured = true;
        if (Cache(IngressClasses).Get(null, ClassName) is null)
        {
            CreateObject(key, IngressClasses, EmulatorClass());
        }
    }
}
