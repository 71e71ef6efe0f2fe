using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.Node.Containers.Network;

/// <summary>The kinds of server an emulated container can be, by image.</summary>
public enum ServerFlavor
{
    /// <summary>An image the emulator does not know: answers every request with the pod's hostname (as <c>serve_hostname</c> does).</summary>
    Generic,

    /// <summary><c>nginx</c> (and <c>nginxinc/…</c>, <c>bitnami/nginx</c>): the welcome page on <c>/</c>, 404 elsewhere.</summary>
    Nginx,

    /// <summary><c>hashicorp/http-echo</c>: its <c>-text</c> on every path (listens on <c>-listen</c>, default <c>:5678</c>).</summary>
    HttpEcho,

    /// <summary><c>ealen/echo-server</c>: the request as JSON.</summary>
    EalenEchoServer,

    /// <summary><c>jmalloc/echo-server</c> and similar: <c>Request served by &lt;hostname&gt;</c> and the request.</summary>
    EchoServer,

    /// <summary><c>registry.k8s.io/echoserver</c> (the Kubernetes docs' echoserver): host, client and request details.</summary>
    KubernetesEchoServer,
}

/// <summary>
/// What an <see cref="EmulatedServer"/> is, as plain data: enough to answer exactly as the server does, so a process
/// that hosts no part of the pod can serve a connection to it (the servers are stateless).
/// </summary>
/// <param name="Flavor">The kind of server.</param>
/// <param name="Ports">The TCP ports it listens on.</param>
/// <param name="Hostname">The container's <c>HOSTNAME</c>.</param>
/// <param name="PodIp">The pod's address.</param>
/// <param name="Text">What <c>http-echo</c> answers (its <c>-text</c>).</param>
/// <param name="Version">The image's version (nginx's <c>Server</c> header).</param>
public sealed record EmulatedServerDescription(
    [property: JsonConverter(typeof(JsonStringEnumConverter<ServerFlavor>))] ServerFlavor Flavor,
    IReadOnlyList<int> Ports, string Hostname, string PodIp, string Text, string Version);

/// <summary>
/// The server a running container is in the emulated network: which TCP ports it listens on and what it answers. A
/// container whose process serves (its image's entrypoint, or a program the emulator does not know) listens on the
/// ports its image's server uses, its declared <c>containerPort</c>s and — for images the emulator does not know, whose
/// server is assumed to listen where its probes look — its probes' ports. A container running a known command that does
/// not serve (<c>sleep</c>, a script) listens nowhere, so a probe of its port fails as it would in Kubernetes.
/// </summary>
public sealed class EmulatedServer
{
    private readonly string _hostname;
    private readonly string _podIp;
    private readonly string _text;
    private readonly string _version;

    private EmulatedServer(ServerFlavor flavor, IReadOnlySet<int> ports, string hostname, string podIp, string text, string version)
    {
        Flavor = flavor;
        Ports = ports;
        _hostname = hostname;
        _podIp = podIp;
        _text = text;
        _version = version;
    }

    /// <summary>The server as plain data (what another process needs to answer as it does).</summary>
    public EmulatedServerDescription Description => new(Flavor, [.. Ports], _hostname, _podIp, _text, _version);

    /// <summary>The server <paramref name="description"/> describes.</summary>
    public static EmulatedServer Of(EmulatedServerDescription description) =>
        new(description.Flavor, new SortedSet<int>(description.Ports), description.Hostname, description.PodIp, description.Text, description.Version);

    /// <summary>What kind of server it is.</summary>
    public ServerFlavor Flavor { get; }

    /// <summary>The TCP ports it listens on.</summary>
    public IReadOnlySet<int> Ports { get; }

    /// <summary>
    /// The server of a container, or null when its process does not serve. <paramref name="env"/> is the container's
    /// environment (<c>HOSTNAME</c> first), <paramref name="podIp"/> the pod's address.
    /// </summary>
    public static EmulatedServer? Of(ContainerView spec, ContainerScript script, IReadOnlyList<KeyValuePair<string, string>> env, string podIp)
    {
        if (!script.Serves)
        {
            return null;
        }
        var image = spec.Image;
        var repository = Repository(image);
        var argv = spec.Command.Concat(spec.Args).ToList();
        string Env(string name) => env.Where(e => e.Key == name).Select(e => e.Value).LastOrDefault() ?? "";
        var hostname = Env("HOSTNAME");
        var ports = new SortedSet<int>(spec.Ports.Where(p => p.Protocol == "TCP" && p.ContainerPort is > 0 and < 65536).Select(p => p.ContainerPort));
        var flavor = repository switch
        {
            _ when repository.EndsWith("http-echo", StringComparison.Ordinal) => ServerFlavor.HttpEcho,
            "ealen/echo-server" => ServerFlavor.EalenEchoServer,
            _ when repository.EndsWith("/echoserver", StringComparison.Ordinal) || repository == "echoserver" => ServerFlavor.KubernetesEchoServer,
            _ when repository.EndsWith("echo-server", StringComparison.Ordinal) || repository.EndsWith("http-https-echo", StringComparison.Ordinal) => ServerFlavor.EchoServer,
            _ when repository == "nginx" || repository.EndsWith("/nginx", StringComparison.Ordinal) || repository.EndsWith("/nginx-unprivileged", StringComparison.Ordinal) => ServerFlavor.Nginx,
            _ => ServerFlavor.Generic,
        };
        var text = "";
        switch (flavor)
        {
            case ServerFlavor.HttpEcho:
                text = Flag(argv, "text") ?? "";
                var listen = Flag(argv, "listen") ?? ":5678";
                ports.Add(int.TryParse(listen[(listen.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var echoPort) ? echoPort : 5678);
                break;
            case ServerFlavor.EalenEchoServer:
                ports.Add(int.TryParse(Env("PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var ealenPort) ? ealenPort : 80);
                break;
            case ServerFlavor.EchoServer or ServerFlavor.KubernetesEchoServer:
                ports.Add(int.TryParse(Env("PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var echo) ? echo : 8080);
                break;
            case ServerFlavor.Nginx:
                ports.Add(repository.EndsWith("-unprivileged", StringComparison.Ordinal) ? 8080 : 80);
                break;
            default:
                // A server the emulator does not know listens where its probes look (if its manifest is right).
                foreach (var kind in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
                {
                    if (spec.Probe(kind) is { } probe && ProbePort(spec, probe) is { } probed)
                    {
                        ports.Add(probed);
                    }
                }
                break;
        }
        return new EmulatedServer(flavor, ports, hostname, podIp, text, Tag(image));
    }

    /// <summary>The numeric port a <c>httpGet</c> or <c>tcpSocket</c> probe targets (a named port resolved among the container's ports), or null.</summary>
    public static int? ProbePort(ContainerView spec, JsonObject probe)
    {
        var port = (probe["httpGet"] as JsonObject)?["port"] ?? (probe["tcpSocket"] as JsonObject)?["port"];
        if (port is JsonValue value && value.TryGetValue<int>(out var number))
        {
            return number;
        }
        if (JsonTree.AsString(port) is { } text)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number))
            {
                return number;
            }
            return spec.Ports.FirstOrDefault(p => p.Name == text)?.ContainerPort;
        }
        return null;
    }

    /// <summary>The answer to <paramref name="request"/>, from a client at <paramref name="remoteAddress"/>, on <paramref name="port"/>.</summary>
    public HttpResponse Answer(HttpRequest request, string remoteAddress, int port) => Flavor switch
    {
        ServerFlavor.Nginx => NginxAnswer(request),
        ServerFlavor.HttpEcho => request.Path == "/health"
            ? Text(200, "OK", "application/json", "{\"status\":\"ok\"}\n", ("X-App-Name", "http-echo"), ("X-App-Version", "1.0.0"))
            : Text(200, "OK", "text/plain; charset=utf-8", _text + "\n", ("X-App-Name", "http-echo"), ("X-App-Version", "1.0.0")),
        ServerFlavor.EchoServer => Text(200, "OK", "text/plain", $"Request served by {_hostname}\n\n{request.Text()}"),
        ServerFlavor.EalenEchoServer => Text(200, "OK", "application/json; charset=utf-8", EalenJson(request, remoteAddress)),
        ServerFlavor.KubernetesEchoServer => Text(200, "OK", "text/plain", KubernetesEcho(request, remoteAddress, port), ("Server", "echoserver")),
        _ => Text(200, "OK", "text/plain; charset=utf-8", _hostname + "\n"),
    };

    /// <summary>The answer to bytes that are no HTTP request (nginx's 400 page; a plain 400 elsewhere).</summary>
    public HttpResponse BadRequest() => Flavor == ServerFlavor.Nginx
        ? Html(400, "Bad Request", NginxError(400, "Bad Request"))
        : Text(400, "Bad Request", "text/plain; charset=utf-8", "400 Bad Request");

    private HttpResponse NginxAnswer(HttpRequest request)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            return Html(405, "Not Allowed", NginxError(405, "Not Allowed"));
        }
        return request.Path is "/" or "/index.html"
            ? Html(200, "OK", NginxWelcome, ("Last-Modified", "Tue, 16 Apr 2024 14:29:59 GMT"), ("ETag", "\"661e8b67-267\""), ("Accept-Ranges", "bytes"))
            : Html(404, "Not Found", NginxError(404, "Not Found"));
    }

    private HttpResponse Html(int status, string reason, string body, params (string Name, string Value)[] extra) =>
        new(status, reason, [KeyValuePair.Create("Server", $"nginx/{_version}"), KeyValuePair.Create("Content-Type", "text/html"), .. extra.Select(e => KeyValuePair.Create(e.Name, e.Value))],
            Encoding.UTF8.GetBytes(body));

    private static HttpResponse Text(int status, string reason, string contentType, string body, params (string Name, string Value)[] extra) =>
        new(status, reason, [KeyValuePair.Create("Content-Type", contentType), .. extra.Select(e => KeyValuePair.Create(e.Name, e.Value))], Encoding.UTF8.GetBytes(body));

    private string NginxError(int status, string reason) =>
        $"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/{_version}</center>\r\n</body>\r\n</html>\r\n";

    /// <summary>nginx's default <c>index.html</c> (1.25 and later; 615 bytes).</summary>
    internal const string NginxWelcome = """
        <!DOCTYPE html>
        <html>
        <head>
        <title>Welcome to nginx!</title>
        <style>
        html { color-scheme: light dark; }
        body { width: 35em; margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif; }
        </style>
        </head>
        <body>
        <h1>Welcome to nginx!</h1>
        <p>If you see this page, the nginx web server is successfully installed and
        working. Further configuration is required.</p>

        <p>For online documentation and support please refer to
        <a href="http://nginx.org/">nginx.org</a>.<br/>
        Commercial support is available at
        <a href="http://nginx.com/">nginx.com</a>.</p>

        <p><em>Thank you for using nginx.</em></p>
        </body>
        </html>

        """;

    private string EalenJson(HttpRequest request, string remoteAddress)
    {
        var headers = new JsonObject();
        foreach (var (name, value) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = value;
        }
        var json = new JsonObject
        {
            ["host"] = new JsonObject { ["hostname"] = request.Header("Host")?.Split(':')[0] ?? _podIp, ["ip"] = "::ffff:" + remoteAddress, ["ips"] = new JsonArray() },
            ["http"] = new JsonObject { ["method"] = request.Method, ["baseUrl"] = "", ["originalUrl"] = request.Target, ["protocol"] = "http" },
            ["request"] = new JsonObject
            {
                ["params"] = new JsonObject { ["0"] = request.Path },
                ["query"] = new JsonObject(),
                ["cookies"] = new JsonObject(),
                ["body"] = new JsonObject(),
                ["headers"] = headers,
            },
            ["environment"] = new JsonObject { ["HOSTNAME"] = _hostname },
        };
        return json.ToJsonString();
    }

    private string KubernetesEcho(HttpRequest request, string remoteAddress, int port)
    {
        var text = new StringBuilder();
        text.Append("\n\nHostname: ").Append(_hostname).Append("\n\nPod Information:\n\t-no pod information available-\n\n");
        text.Append("Server values:\n\tserver_version=nginx: 1.13.3 - lua: 10008\n\n");
        text.Append("Request Information:\n\tclient_address=").Append(remoteAddress).Append("\n\tmethod=").Append(request.Method)
            .Append("\n\treal path=").Append(request.Path).Append("\n\tquery=").Append(request.Query)
            .Append("\n\trequest_version=").Append(request.Version["HTTP/".Length..])
            .Append("\n\trequest_scheme=http\n\trequest_uri=http://").Append(request.Header("Host") ?? $"{_podIp}:{port}").Append(request.Target).Append("\n\n");
        text.Append("Request Headers:\n");
        foreach (var (name, value) in request.Headers)
        {
            text.Append('\t').Append(name.ToLowerInvariant()).Append('=').Append(value).Append('\n');
        }
        text.Append("\nRequest Body:\n").Append(request.Body.Length == 0 ? "\t-no body in request-\n" : Encoding.UTF8.GetString(request.Body) + "\n").Append('\n');
        return text.ToString();
    }

    /// <summary>The value of <c>-name=value</c> or <c>-name value</c> (one or two dashes) in <paramref name="argv"/>.</summary>
    private static string? Flag(List<string> argv, string name)
    {
        for (var i = 0; i < argv.Count; i++)
        {
            var arg = argv[i].TrimStart('-');
            if (argv[i].StartsWith('-') && arg.StartsWith(name + "=", StringComparison.Ordinal))
            {
                return arg[(name.Length + 1)..];
            }
            if (argv[i].StartsWith('-') && arg == name && i + 1 < argv.Count)
            {
                return argv[i + 1];
            }
        }
        return null;
    }

    /// <summary>The repository of an image reference, without registry host, <c>library/</c>, tag or digest.</summary>
    private static string Repository(string image)
    {
        var name = image.Split('@')[0];
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > slash)
        {
            name = name[..colon];
        }
        var parts = name.Split('/').ToList();
        if (parts.Count > 1 && (parts[0].Contains('.') || parts[0].Contains(':') || parts[0] == "localhost"))
        {
            parts.RemoveAt(0);
        }
        if (parts.Count > 1 && parts[0] == "library")
        {
            parts.RemoveAt(0);
        }
        return string.Join('/', parts);
    }

    /// <summary>The server version shown by nginx: the image tag when it is a version, else the current stable release.</summary>
    private static string Tag(string image)
    {
        var name = image.Split('@')[0];
        var colon = name.LastIndexOf(':');
        var tag = colon > name.LastIndexOf('/') ? name[(colon + 1)..] : "";
        var version = new string(tag.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray()).TrimEnd('.');
        return version.Count(c => c == '.') switch
        {
            2 => version,
            1 => version + ".0",
            _ => "1.27.3",
        };
    }
}
