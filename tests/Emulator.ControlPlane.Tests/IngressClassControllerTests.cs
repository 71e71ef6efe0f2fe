using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Ingress;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The <c>emulator</c> IngressClass the cluster starts with, and the DefaultIngressClass admission plugin that gives
/// class-less Ingresses the default class.
/// </summary>
public sealed class IngressClassControllerTests : ClusterTestKit
{
    private static readonly ResourceType IngressClasses = IngressClassController.IngressClasses;
    private static readonly ResourceType Ingresses = ResourceTypes.Of("networking.k8s.io", "ingresses");

    private static JsonObject Ingress(string name, string? annotationClass = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "default" };
        if (annotationClass is not null)
        {
            metadata["annotations"] = new JsonObject { ["kubernetes.io/ingress.class"] = annotationClass };
        }
        return new JsonObject
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "Ingress",
            ["metadata"] = metadata,
            ["spec"] = JsonNode.Parse("""{"defaultBackend":{"service":{"name":"web","port":{"number":80}}}}"""),
        };
    }

    private static JsonObject DefaultClass(string name) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "IngressClass",
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject { ["ingressclass.kubernetes.io/is-default-class"] = "true" } },
        ["spec"] = new JsonObject { ["controller"] = "example.com/ingress" },
    };

    private string? ClassOf(string ingress) => JsonTree.GetString(Get(Ingresses, "default", ingress).Document, "spec", "ingressClassName");

    [Fact]
    public void The_emulator_class_exists_from_the_start_and_class_less_ingresses_get_the_newest_default()
    {
        // Before any default class, an Ingress stays class-less.
        Ok(new CreateObject(Ingresses, Ingress("early")));
        Assert.Null(ClassOf("early"));

        Sys.ActorOf(Props.Create(() => new IngressClassController(Store, Hub)), "ingress-class");
        Settle();
        var emulator = Get(IngressClasses, null, "emulator");
        Assert.Equal("emulator.k8s.io/ingress-controller", JsonTree.GetString(emulator.Document, "spec", "controller"));
        Assert.Equal("true", emulator.Annotations["ingressclass.kubernetes.io/is-default-class"]);

        Ok(new CreateObject(Ingresses, Ingress("web")));
        Assert.Equal("emulator", ClassOf("web"));
        // The beta annotation names a class already: the plugin leaves it alone.
        Ok(new CreateObject(Ingresses, Ingress("annotated", annotationClass: "nginx")));
        Assert.Null(ClassOf("annotated"));

        // Of several defaults, the newest wins.
        Advance(TimeSpan.FromSeconds(5));
        Ok(new CreateObject(IngressClasses, DefaultClass("newer")));
        Ok(new CreateObject(Ingresses, Ingress("later")));
        Assert.Equal("newer", ClassOf("later"));
    }

    [Fact]
    public void A_deleted_emulator_class_stays_deleted_while_the_controller_runs()
    {
        Sys.ActorOf(Props.Create(() => new IngressClassController(Store, Hub)), "ingress-class");
        Settle();
        Ok(new DeleteObject(IngressClasses, null, "emulator", new DeleteOptions()));
        Settle();
        Assert.Empty(Request<ListReply>(new ListObjects(IngressClasses, null)).Items);
        Ok(new CreateObject(Ingresses, Ingress("web")));
        Assert.Null(ClassOf("web"));
    }
}
