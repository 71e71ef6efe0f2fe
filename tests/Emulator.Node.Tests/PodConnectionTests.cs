using System.Text;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Nodes;
using Emulator.Kubernetes;

namespace Emulator.Node.Tests;

public sealed class PodConnectionTests : NodeTestKit
{
    private static JsonObject WithPorts(JsonObject container, params int[] ports)
    {
        container["ports"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject { ["containerPort"] = p }).ToArray());
        return container;
    }

    private void StartRunning(JsonObject container)
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: container);
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
    }

    private string Exchange(int port, string request)
    {
        Host.Tell(new OpenPodConnection("node-1", "default", "web", port, "c1", TestActor), TestActor);
        var opened = ExpectMsg<PodConnectionOpened>();
        Assert.Equal("c1", opened.ConnectionId);
        opened.Connection.Tell(new PodConnectionData("c1", Encoding.ASCII.GetBytes(request)), TestActor);
        var answer = new StringBuilder();
        while (true)
        {
            var message = ExpectMsg<object>();
            if (message is PodConnectionData data)
            {
                answer.Append(Encoding.UTF8.GetString(data.Data));
            }
            else if (message is PodConnectionClosed closed)
            {
                Assert.Null(closed.Error);
                return answer.ToString();
            }
        }
    }

    [Fact]
    public void An_nginx_container_serves_its_welcome_page_and_404_elsewhere()
    {
        StartRunning(WithPorts(Container(image: "nginx:1.25"), 80));
        var page = Exchange(80, "GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\nServer: nginx/1.25.0\r\nDate: ", page);
        Assert.Contains("Content-Length: 615\r\n", page);
        Assert.EndsWith("<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n", page);
        var missing = Exchange(80, "GET /nothing HTTP/1.0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", missing);
        Assert.Contains("<center><h1>404 Not Found</h1></center>", missing);
    }

    [Fact]
    public void Http_echo_answers_its_text_on_its_listen_port_and_keeps_the_connection_alive()
    {
        var container = Container(image: "hashicorp/http-echo:1.0");
        container["args"] = new JsonArray("-text=hello from blue", "-listen=:8080");
        StartRunning(container);
        Host.Tell(new OpenPodConnection("node-1", "default", "web", 8080, "c2", TestActor), TestActor);
        var opened = ExpectMsg<PodConnectionOpened>();
        // Two requests in one write, the second split: both answered in order on one connection.
        opened.Connection.Tell(new PodConnectionData("c2", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHo")), TestActor);
        Assert.EndsWith("\r\n\r\nhello from blue\n", Encoding.UTF8.GetString(ExpectMsg<PodConnectionData>().Data));
        opened.Connection.Tell(new PodConnectionData("c2", Encoding.ASCII.GetBytes("st: a\r\n\r\n")), TestActor);
        var second = Encoding.UTF8.GetString(ExpectMsg<PodConnectionData>().Data);
        Assert.Contains("X-App-Name: http-echo\r\n", second);
        Assert.Contains("Connection: keep-alive\r\n", second);
        opened.Connection.Tell(new PodConnectionWriteClosed("c2"), TestActor);
        ExpectMsg<PodConnectionWriteClosed>();
        Assert.Null(ExpectMsg<PodConnectionClosed>().Error);
    }

    [Fact]
    public void A_port_nothing_listens_on_is_refused_and_a_missing_pod_is_not_found()
    {
        StartRunning(WithPorts(Container(image: "nginx:1.25"), 80));
        Host.Tell(new OpenPodConnection("node-1", "default", "web", 81, "c3", TestActor), TestActor);
        var refused = ExpectMsg<PodConnectionRefused>();
        Assert.Equal(PodConnectionRefusal.ConnectionRefused, refused.Refusal);
        Assert.Contains("IPv4: dial tcp4 127.0.0.1:81: connect: connection refused", refused.Reason);
        Host.Tell(new OpenPodConnection("node-1", "default", "other", 80, "c4", TestActor), TestActor);
        Assert.Equal(PodConnectionRefusal.PodNotFound, ExpectMsg<PodConnectionRefused>().Refusal);
        Host.Tell(new OpenPodConnection("node-9", "default", "web", 80, "c5", TestActor), TestActor);
        Assert.Equal(PodConnectionRefusal.NodeUnavailable, ExpectMsg<PodConnectionRefused>().Refusal);
    }

    [Fact]
    public void A_sleeping_container_serves_nothing()
    {
        StartRunning(WithPorts(Container(image: "busybox:1.36", shell: "sleep 3600"), 80));
        Host.Tell(new OpenPodConnection("node-1", "default", "web", 80, "c6", TestActor), TestActor);
        Assert.Equal(PodConnectionRefusal.ConnectionRefused, ExpectMsg<PodConnectionRefused>().Refusal);
    }

    [Fact]
    public void An_unknown_server_image_answers_its_hostname_and_rejects_garbage()
    {
        StartRunning(WithPorts(Container(image: "example.com/shop/api:2.1"), 9000));
        Assert.EndsWith("\r\n\r\nweb\n", Exchange(9000, "GET /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", Exchange(9000, "\u0016\u0003\u0001 hello\r\n\r\n"));
    }

    [Fact]
    public void Probes_dial_the_emulated_server_and_fail_as_the_kubelet_reports_on_a_port_nothing_serves()
    {
        var container = WithPorts(Container(image: "nginx:1.25"), 80);
        container["readinessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = 8080 }, ["periodSeconds"] = 5 };
        container["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = 80 }, ["periodSeconds"] = 10 };
        StartRunning(container);
        Run(TimeSpan.FromSeconds(30));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("False", JsonTree.GetString(Condition(pod, "Ready"), "status"));
            var events = EventMessages();
            Assert.Contains("Unhealthy: Readiness probe failed: dial tcp 10.244.0.2:8080: connect: connection refused", events);
            Assert.Contains("Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404", events);
        });
    }

    [Fact]
    public void An_http_probe_of_a_named_port_the_server_answers_makes_the_pod_ready()
    {
        var container = Container(image: "hashicorp/http-echo:1.0");
        container["args"] = new JsonArray("-text=ok");
        container["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 5678 });
        container["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/health", ["port"] = "http" }, ["periodSeconds"] = 5 };
        StartRunning(container);
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal("True", JsonTree.GetString(Condition(Pod(), "Ready"), "status")));
    }
}
