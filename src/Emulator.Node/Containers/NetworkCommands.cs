using System.Globalization;
using System.Net;
using System.Text;
using Emulator.Node.Containers.Network;
using Emulator.Node.Network;
using Emulator.Node.Network.Dns;

namespace Emulator.Node.Containers;

/// <summary>
/// What a container sees of the network: its image (which tools it has, and in which flavour: busybox for busybox and
/// alpine images), its address and node, its <c>/etc/resolv.conf</c> and <c>/etc/hosts</c>, and the cluster network it
/// resolves names in and connects through.
/// </summary>
public sealed record ContainerNetwork(string Image, string PodIp, string NodeName, string Hostname, string ResolvConf, string Hosts, ClusterNetwork Cluster)
{
    /// <summary>The container's files: its volume mounts (see <see cref="ContainerFiles"/>).</summary>
    public ContainerFiles Files { get; init; } = ContainerFiles.None;

    /// <summary>True when the image's tools are busybox's (busybox, alpine).</summary>
    public bool Busybox => Image.Contains("busybox", StringComparison.Ordinal) || Image.Contains("alpine", StringComparison.Ordinal);
}

/// <summary>
/// The network tools of the emulated shell — <c>nslookup</c>, <c>dig</c>, <c>host</c>, <c>wget</c>, <c>curl</c>,
/// <c>nc -z</c>, <c>cat</c> and <c>ls</c> of the container's files — with the real tools' output and exit codes. Names resolve as the C
/// library does it with the pod's resolv.conf (hosts file first, then the search list: names with fewer dots than
/// <c>ndots</c> try the search domains first) against the cluster DNS; connections go through the service proxy of
/// the pod's node to an endpoint pod's emulated server.
/// </summary>
public static class NetworkCommands
{
    /// <summary>The commands handled here.</summary>
    public static bool Handles(string program) => program is "nslookup" or "dig" or "host" or "wget" or "curl" or "nc" or "cat" or "ls";

    /// <summary>Runs <paramref name="program"/>; returns its output lines and exit code.</summary>
    public static (List<string> Lines, int Code) Run(string program, IReadOnlyList<string> args, ContainerNetwork net) => program switch
    {
        "nslookup" => Nslookup(args, net),
        "dig" => Dig(args, net),
        "host" => Host(args, net),
        "wget" => Wget(args, net),
        "curl" => Curl(args, net),
        "nc" => Netcat(args, net),
        "ls" => List(args, net),
        _ => Cat(args, net),
    };

    // ---- Resolution -------------------------------------------------------------------------------------------

    private sealed record Resolver(string? Nameserver, List<string> Search, int Ndots);

    private static Resolver ResolverOf(ContainerNetwork net)
    {
        string? server = null;
        var search = new List<string>();
        var ndots = 1;
        foreach (var line in net.ResolvConf.Split('\n'))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2)
            {
                continue;
            }
            switch (words[0])
            {
                case "nameserver":
                    server ??= words[1];
                    break;
                case "search":
                    search = words.Skip(1).ToList();
                    break;
                case "options":
                    foreach (var option in words.Skip(1).Where(w => w.StartsWith("ndots:", StringComparison.Ordinal)))
                    {
                        _ = int.TryParse(option[6..], NumberStyles.None, CultureInfo.InvariantCulture, out ndots);
                    }
                    break;
            }
        }
        return new Resolver(server, search, ndots);
    }

    /// <summary>The names tried for <paramref name="name"/>, in order (the resolver's search-list rule).</summary>
    private static List<string> Candidates(string name, Resolver resolver)
    {
        if (name.EndsWith('.'))
        {
            return [name.TrimEnd('.')];
        }
        var searched = resolver.Search.Select(s => $"{name}.{s}").ToList();
        return name.Count(c => c == '.') >= resolver.Ndots ? [name, .. searched] : [.. searched, name];
    }

    /// <summary>Asks the cluster DNS (the nameserver of resolv.conf must be it; another one knows nothing of the cluster).</summary>
    private static DnsAnswer Query(ContainerNetwork net, Resolver resolver, string name, DnsRecordType type) =>
        resolver.Nameserver == net.Cluster.DnsServiceIp
            ? net.Cluster.Dns.Current.Resolve(name, type)
            : new DnsAnswer(DnsResponseCode.ServerFailure, [], [], false);

    /// <summary>The addresses of <paramref name="name"/> (hosts file, then DNS with the search list), and the name that answered; empty when none.</summary>
    private static (string Name, List<string> Addresses) Lookup(ContainerNetwork net, string name)
    {
        if (IPAddress.TryParse(name, out _))
        {
            return (name, [name]);
        }
        foreach (var line in net.Hosts.Split('\n').Where(l => !l.StartsWith('#')))
        {
            var words = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 1 && words.Skip(1).Contains(name, StringComparer.OrdinalIgnoreCase) && !words[0].Contains(':'))
            {
                return (name, [words[0]]);
            }
        }
        var resolver = ResolverOf(net);
        foreach (var candidate in Candidates(name, resolver))
        {
            var answer = Query(net, resolver, candidate, DnsRecordType.A);
            var addresses = answer.Answers.Where(r => r.Type == DnsRecordType.A).Select(r => r.Data).ToList();
            if (addresses.Count > 0)
            {
                return (candidate, addresses);
            }
        }
        return (name, []);
    }

    // ---- nslookup, host, dig ------------------------------------------------------------------------------------

    private static (List<string>, int) Nslookup(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var operands = args.Where(a => !a.StartsWith('-')).ToList();
        if (operands.Count == 0)
        {
            return (["Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]"], 1);
        }
        var resolver = ResolverOf(net);
        var server = operands.Count > 1 ? operands[1] : resolver.Nameserver ?? "127.0.0.1";
        var lines = new List<string> { $"Server:\t\t{server}", net.Busybox ? $"Address:\t{server}:53" : $"Address:\t{server}#53", "" };
        var name = operands[0];
        if (IPAddress.TryParse(name, out _))
        {
            var reverse = ClusterDnsZone.ReverseName(name);
            var ptr = Query(net, resolver, reverse, DnsRecordType.PTR);
            if (ptr.Answers.Count == 0)
            {
                lines.Add($"** server can't find {reverse}: {(ptr.Code == DnsResponseCode.ServerFailure ? "SERVFAIL" : "NXDOMAIN")}");
                lines.Add("");
                return (lines, 1);
            }
            lines.AddRange(ptr.Answers.Select(r => $"{reverse}\tname = {r.Data}"));
            lines.Add("");
            return (lines, 0);
        }
        var candidates = Candidates(name, resolver);
        foreach (var candidate in candidates)
        {
            var answer = Query(net, resolver, candidate, DnsRecordType.A);
            if (answer.Answers.Count == 0)
            {
                continue;
            }
            foreach (var record in answer.Answers)
            {
                if (record.Type == DnsRecordType.CNAME)
                {
                    lines.Add($"{candidate}\tcanonical name = {record.Data}.");
                }
                else
                {
                    lines.Add($"Name:\t{candidate}");
                    lines.Add($"Address: {record.Data}");
                }
            }
            lines.Add("");
            return (lines, 0);
        }
        // NXDOMAIN when the cluster said so for any name tried; SERVFAIL when only names outside the cluster were tried.
        var failure = candidates.Any(c => Query(net, resolver, c, DnsRecordType.A).Code == DnsResponseCode.NxDomain) ? "NXDOMAIN" : "SERVFAIL";
        lines.Add($"** server can't find {name}: {failure}");
        lines.Add("");
        return (lines, 1);
    }

    private static (List<string>, int) Host(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var operands = args.Where(a => !a.StartsWith('-')).ToList();
        if (operands.Count == 0)
        {
            return (["Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]", "            [-R number] [-m flag] [-p port] hostname [server]"], 1);
        }
        var resolver = ResolverOf(net);
        var name = operands[0];
        if (IPAddress.TryParse(name, out _))
        {
            var reverse = ClusterDnsZone.ReverseName(name);
            var ptr = Query(net, resolver, reverse, DnsRecordType.PTR);
            return ptr.Answers.Count == 0
                ? ([$"Host {reverse} not found: 3(NXDOMAIN)"], 1)
                : (ptr.Answers.Select(r => $"{reverse} domain name pointer {r.Data}.").ToList(), 0);
        }
        foreach (var candidate in Candidates(name, resolver))
        {
            var answer = Query(net, resolver, candidate, DnsRecordType.A);
            if (answer.Answers.Count > 0)
            {
                return (answer.Answers.Select(r => r.Type == DnsRecordType.CNAME ? $"{candidate} is an alias for {r.Data}." : $"{candidate} has address {r.Data}").ToList(), 0);
            }
        }
        return ([$"Host {name} not found: 3(NXDOMAIN)"], 1);
    }

    private static (List<string>, int) Dig(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var resolver = ResolverOf(net);
        var server = resolver.Nameserver ?? "127.0.0.1";
        var type = DnsRecordType.A;
        string? name = null;
        var shortForm = false;
        var search = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('@'))
            {
                server = arg[1..];
            }
            else if (arg == "+short")
            {
                shortForm = true;
            }
            else if (arg == "+search")
            {
                search = true;
            }
            else if (arg == "-x" && i + 1 < args.Count)
            {
                name = ClusterDnsZone.ReverseName(args[++i]);
                type = DnsRecordType.PTR;
            }
            else if ((arg == "-t" || arg == "-p") && i + 1 < args.Count)
            {
                if (arg == "-t" && Enum.TryParse<DnsRecordType>(args[i + 1], true, out var t))
                {
                    type = t;
                }
                i++;
            }
            else if (!arg.StartsWith('+') && !arg.StartsWith('-'))
            {
                if (name is not null && Enum.TryParse<DnsRecordType>(arg, true, out var t) && !arg.Contains('.'))
                {
                    type = t;
                }
                else
                {
                    name ??= arg;
                }
            }
        }
        name ??= ".";
        var asked = name.TrimEnd('.');
        var answer = Query(net, resolver, asked, type);
        if (search && answer.Answers.Count == 0 && !name.EndsWith('.'))
        {
            foreach (var candidate in Candidates(name, resolver))
            {
                var tried = Query(net, resolver, candidate, type);
                if (tried.Answers.Count > 0)
                {
                    (asked, answer) = (candidate, tried);
                    break;
                }
            }
        }
        if (shortForm)
        {
            return (answer.Answers.Select(Data).ToList(), 0);
        }
        var status = answer.Code switch { DnsResponseCode.NxDomain => "NXDOMAIN", DnsResponseCode.ServerFailure => "SERVFAIL", _ => "NOERROR" };
        var authority = answer.Authoritative && answer.Answers.Count == 0 ? 1 : 0;
        var id = (int)(Fnv(asked) % 65536);
        var lines = new List<string>
        {
            "",
            $"; <<>> DiG 9.18.30 <<>> {string.Join(' ', args)}",
            ";; global options: +cmd",
            ";; Got answer:",
            $";; ->>HEADER<<- opcode: QUERY, status: {status}, id: {id}",
            $";; flags: qr{(answer.Authoritative ? " aa" : "")} rd; QUERY: 1, ANSWER: {answer.Answers.Count}, AUTHORITY: {authority}, ADDITIONAL: {answer.Additional.Count + 1}",
            ";; WARNING: recursion requested but not available",
            "",
            ";; OPT PSEUDOSECTION:",
            "; EDNS: version: 0, flags:; udp: 1232",
            ";; QUESTION SECTION:",
            $";{asked}.\t\t\tIN\t{type}",
            "",
        };
        if (answer.Answers.Count > 0)
        {
            lines.Add(";; ANSWER SECTION:");
            lines.AddRange(answer.Answers.Select(Line));
            lines.Add("");
        }
        if (authority > 0)
        {
            lines.Add(";; AUTHORITY SECTION:");
            lines.Add($"{ClusterDnsZone.Domain}.\t\t{ClusterDnsZone.Ttl}\tIN\tSOA\tns.dns.{ClusterDnsZone.Domain}. hostmaster.{ClusterDnsZone.Domain}. {net.Cluster.Dns.Current.Serial} 7200 1800 86400 {ClusterDnsZone.Ttl}");
            lines.Add("");
        }
        if (answer.Additional.Count > 0)
        {
            lines.Add(";; ADDITIONAL SECTION:");
            lines.AddRange(answer.Additional.Select(Line));
            lines.Add("");
        }
        lines.Add(";; Query time: 0 msec");
        lines.Add($";; SERVER: {server}#53({server}) (UDP)");
        lines.Add("");
        return (lines, 0);
    }

    private static string Data(DnsRecord r) => r.Type switch
    {
        DnsRecordType.A or DnsRecordType.AAAA => r.Data,
        DnsRecordType.SRV => $"{r.Priority} {r.Weight} {r.Port} {r.Data}.",
        _ => r.Data + ".",
    };

    private static string Line(DnsRecord r) => $"{r.Name}.\t{r.Ttl}\tIN\t{r.Type}\t{Data(r)}";

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }

    // ---- wget, curl, nc ---------------------------------------------------------------------------------------

    private sealed record Url(string Host, int Port, string Path);

    private static Url? ParseUrl(string text)
    {
        var rest = text;
        var port = 80;
        if (rest.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[7..];
        }
        else if (rest.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[8..];
            port = 443;
        }
        else if (rest.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "/" : rest[slash..];
        var colon = authority.LastIndexOf(':');
        if (colon > 0 && int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
        {
            port = p;
            authority = authority[..colon];
        }
        return authority.Length == 0 ? null : new Url(authority, port, path);
    }

    /// <summary>One HTTP exchange from the container: the response, or why there is none.</summary>
    private static (HttpResponse? Response, string? Ip, bool Resolved) Fetch(ContainerNetwork net, Url url, string method, string agent)
    {
        var (_, addresses) = Lookup(net, url.Host);
        if (addresses.Count == 0)
        {
            return (null, null, false);
        }
        var ip = addresses[0];
        if (net.Cluster.Dial(ip, url.Port, net.PodIp, net.NodeName) is not { } target)
        {
            return (null, ip, true);
        }
        var host = url.Port == 80 ? url.Host : $"{url.Host}:{url.Port}";
        var request = new HttpRequest(method, url.Path, "HTTP/1.1",
            [KeyValuePair.Create("Host", host), KeyValuePair.Create("User-Agent", agent), KeyValuePair.Create("Accept", "*/*")], []);
        return (target.Server.Answer(request, net.PodIp, target.Port), ip, true);
    }

    private static IEnumerable<string> BodyLines(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        if (text.EndsWith('\n'))
        {
            text = text[..^1];
        }
        return text.Length == 0 ? [] : text.Split('\n');
    }

    private static (List<string>, int) Wget(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var quiet = false;
        string? output = null;
        var spider = false;
        string? target = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--spider")
            {
                spider = true;
            }
            else if (arg.StartsWith("-", StringComparison.Ordinal) && !arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 1)
            {
                for (var j = 1; j < arg.Length; j++)
                {
                    if (arg[j] == 'q')
                    {
                        quiet = true;
                    }
                    else if (arg[j] is 'O' or 'T' or 'U' or 'Y' or 'P')
                    {
                        var value = j + 1 < arg.Length ? arg[(j + 1)..] : (i + 1 < args.Count ? args[++i] : "");
                        if (arg[j] == 'O')
                        {
                            output = value;
                        }
                        break;
                    }
                }
            }
            else if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                target = arg;
            }
        }
        if (target is null || ParseUrl(target) is not { } url)
        {
            return ([target is null ? "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary." : $"wget: not an http or ftp url: {target}"], 1);
        }
        var lines = new List<string>();
        var (response, ip, resolved) = Fetch(net, url, spider ? "HEAD" : "GET", "Wget");
        if (!resolved)
        {
            return ([$"wget: bad address '{url.Host}'"], 1);
        }
        if (!quiet)
        {
            lines.Add($"Connecting to {url.Host} ({ip}:{url.Port})");
        }
        if (response is null)
        {
            lines.Add($"wget: can't connect to remote host ({ip}): Connection refused");
            return (lines, 1);
        }
        if (response.Status >= 400)
        {
            lines.Add($"wget: server returned error: HTTP/1.1 {response.Status} {response.Reason}");
            return (lines, 1);
        }
        if (spider)
        {
            if (!quiet)
            {
                lines.Add("remote file exists");
            }
            return (lines, 0);
        }
        var file = output ?? (url.Path.TrimEnd('/').Split('/')[^1] is { Length: > 0 } last ? last : "index.html");
        if (file == "-")
        {
            if (!quiet)
            {
                lines.Add("writing to stdout");
            }
            lines.AddRange(BodyLines(response.Body));
            if (!quiet)
            {
                lines.Add("written to stdout");
            }
        }
        else if (!quiet)
        {
            lines.Add($"saving to '{file}'");
            lines.Add($"'{file}' saved");
        }
        return (lines, 0);
    }

    private static (List<string>, int) Curl(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var silent = false;
        var showErrors = false;
        var fail = false;
        var head = false;
        var include = false;
        var method = "GET";
        string? target = null;
        string? output = null;
        var takesValue = new HashSet<string> { "-o", "-m", "-H", "-X", "-d", "-w", "-A", "-u", "-e", "--connect-timeout", "--max-time", "--header", "--request", "--data", "--output", "--user-agent", "--retry" };
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (takesValue.Contains(arg))
            {
                var value = i + 1 < args.Count ? args[++i] : "";
                if (arg is "-X" or "--request")
                {
                    method = value;
                }
                else if (arg is "-o" or "--output")
                {
                    output = value;
                }
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                silent |= arg == "--silent";
                showErrors |= arg == "--show-error";
                fail |= arg == "--fail";
                head |= arg == "--head";
                include |= arg == "--include";
                continue;
            }
            if (arg.StartsWith('-') && arg.Length > 1)
            {
                silent |= arg.Contains('s');
                showErrors |= arg.Contains('S');
                fail |= arg.Contains('f');
                head |= arg.Contains('I');
                include |= arg.Contains('i');
                continue;
            }
            target = arg;
        }
        if (target is null)
        {
            return (["curl: try 'curl --help' or 'curl --manual' for more information"], 2);
        }
        var errors = !silent || showErrors;
        if (ParseUrl(target) is not { } url)
        {
            return (errors ? [$"curl: (1) Protocol \"{target.Split("://")[0]}\" not supported"] : [], 1);
        }
        var (response, _, resolved) = Fetch(net, url, head ? "HEAD" : method, "curl/8.11.1");
        if (!resolved)
        {
            return (errors ? [$"curl: (6) Could not resolve host: {url.Host}"] : [], 6);
        }
        if (response is null)
        {
            return (errors ? [$"curl: (7) Failed to connect to {url.Host} port {url.Port} after 0 ms: Couldn't connect to server"] : [], 7);
        }
        if (fail && response.Status >= 400)
        {
            return (errors ? [$"curl: (22) The requested URL returned error: {response.Status}"] : [], 22);
        }
        var lines = new List<string>();
        if (head || include)
        {
            var headText = Encoding.Latin1.GetString(response.Encode(DateTimeOffset.UnixEpoch, keepAlive: true, headOnly: true));
            lines.AddRange(headText.TrimEnd('\r', '\n').Split("\r\n"));
            lines.Add("");
        }
        if (!head && output is null)
        {
            lines.AddRange(BodyLines(response.Body));
        }
        return (lines, 0);
    }

    private static (List<string>, int) Netcat(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var verbose = args.Any(a => a.StartsWith('-') && a.Contains('v'));
        var operands = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-w" or "-i" or "-s" or "-p")
            {
                i++;
            }
            else if (!args[i].StartsWith('-'))
            {
                operands.Add(args[i]);
            }
        }
        if (operands.Count < 2 || !int.TryParse(operands[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return (["BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary."], 1);
        }
        var host = operands[0];
        var (_, addresses) = Lookup(net, host);
        if (addresses.Count == 0)
        {
            return ([$"nc: bad address '{host}'"], 1);
        }
        var ip = addresses[0];
        if (net.Cluster.Dial(ip, port, net.PodIp, net.NodeName) is null)
        {
            return (verbose ? [$"nc: {host} ({ip}:{port}): Connection refused"] : [], 1);
        }
        return (verbose ? [$"{host} ({ip}:{port}) open"] : [], 0);
    }

    /// <summary>The files the kubelet writes into every container of the pod, by path.</summary>
    private static Dictionary<string, string> KubeletFiles(ContainerNetwork net) => new(StringComparer.Ordinal)
    {
        ["/etc/resolv.conf"] = net.ResolvConf,
        ["/etc/hosts"] = net.Hosts,
        ["/etc/hostname"] = net.Hostname + "\n",
    };

    private static (List<string>, int) Cat(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var lines = new List<string>();
        var code = 0;
        foreach (var path in args.Where(a => !a.StartsWith('-')))
        {
            var text = net.Files.Read(path) ?? KubeletFiles(net).GetValueOrDefault(ContainerFiles.Normalize(path));
            if (text is null)
            {
                // busybox's words for a directory and for a path that does not exist.
                lines.Add(net.Files.List(path) is not null ? "cat: read error: Is a directory" : $"cat: can't open '{path}': No such file or directory");
                code = 1;
                continue;
            }
            if (text.Length > 0)
            {
                lines.AddRange(text.TrimEnd('\n').Split('\n'));
            }
        }
        return (lines, code);
    }

    /// <summary>
    /// busybox <c>ls [-1a] [PATH...]</c> as it writes to a pipe: one name per line, a directory's entries in name
    /// order, a file its own path; several paths each under a <c>PATH:</c> heading. The kubelet's files of
    /// <c>/etc</c> are listed beside the mounts.
    /// </summary>
    private static (List<string>, int) List(IReadOnlyList<string> args, ContainerNetwork net)
    {
        var paths = args.Where(a => !a.StartsWith('-')).ToList();
        var all = args.Any(a => a.StartsWith('-') && a.Contains('a', StringComparison.Ordinal));
        if (paths.Count == 0)
        {
            paths.Add("/");
        }
        var lines = new List<string>();
        var code = 0;
        var listed = new List<(string Path, List<string> Entries)>();
        foreach (var path in paths)
        {
            var normalized = ContainerFiles.Normalize(path);
            if (net.Files.IsFile(path) || KubeletFiles(net).ContainsKey(normalized))
            {
                lines.Add(path);
                continue;
            }
            if (net.Files.List(path) is not { } entries)
            {
                lines.Add($"ls: {path}: No such file or directory");
                code = 1;
                continue;
            }
            var names = new SortedSet<string>(entries, StringComparer.Ordinal);
            names.UnionWith(KubeletFiles(net).Keys.Where(f => f.StartsWith(normalized + "/", StringComparison.Ordinal)).Select(f => f[(normalized.Length + 1)..]));
            listed.Add((path, (all ? [".", ".."] : new List<string>()).Concat(names).ToList()));
        }
        foreach (var (path, entries) in listed)
        {
            if (paths.Count > 1)
            {
                if (lines.Count > 0)
                {
                    lines.Add("");
                }
                lines.Add(path + ":");
            }
            lines.AddRange(entries);
        }
        return (lines, code);
    }
}
