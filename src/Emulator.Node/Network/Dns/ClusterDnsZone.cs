using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.Node.Network.Dns;

/// <summary>DNS record types the cluster DNS serves.</summary>
public enum DnsRecordType
{
    /// <summary>IPv4 address.</summary>
    A = 1,

    /// <summary>Name server.</summary>
    NS = 2,

    /// <summary>Alias.</summary>
    CNAME = 5,

    /// <summary>Start of authority.</summary>
    SOA = 6,

    /// <summary>Reverse pointer.</summary>
    PTR = 12,

    /// <summary>Text.</summary>
    TXT = 16,

    /// <summary>IPv6 address.</summary>
    AAAA = 28,

    /// <summary>Service location.</summary>
    SRV = 33,

    /// <summary>Any type (a query only).</summary>
    ANY = 255,
}

/// <summary>The response code of an answer.</summary>
public enum DnsResponseCode
{
    /// <summary>The name exists (possibly without records of the type asked: NODATA).</summary>
    NoError = 0,

    /// <summary>The server could not answer (a name outside the cluster: there is no upstream resolver).</summary>
    ServerFailure = 2,

    /// <summary>The name does not exist.</summary>
    NxDomain = 3,
}

/// <summary>One resource record. <paramref name="Data"/> is an address (A/AAAA) or a domain name (CNAME, PTR, SRV target, NS).</summary>
public sealed record DnsRecord(string Name, DnsRecordType Type, int Ttl, string Data, int Priority = 0, int Weight = 0, int Port = 0);

/// <summary>A Service as the kubelet turns it into environment variables: name, cluster IP, ports (name, number, protocol) in order.</summary>
public sealed record ServiceLink(string Name, string ClusterIp, IReadOnlyList<(string Name, int Port, string Protocol)> Ports);

/// <summary>
/// One endpoint of a Service port, as kube-proxy reads it from the EndpointSlices: the pod's address and target port,
/// its node, its conditions (a terminating endpoint that still serves is kept for KEP-1669's fallback), and the zones
/// its <c>hints.forZones</c> name, comma-separated (label values hold no comma; a string keeps the record's equality).
/// </summary>
public sealed record RouteEndpoint(string Ip, int Port, string? NodeName, bool Ready = true, bool Serving = true, bool Terminating = false, string ZoneHints = "")
{
    /// <summary>True when the endpoint carries zone hints.</summary>
    public bool HasZoneHints => ZoneHints.Length > 0;

    /// <summary>True when a zone hint names <paramref name="zone"/>.</summary>
    public bool HintedFor(string zone) => zone.Length > 0 && ZoneHints.Split(',').Contains(zone, StringComparer.Ordinal);
}

/// <summary>
/// A Service port as kube-proxy sees it: the address and port it is reached at (cluster IP, external IPs, load-balancer
/// ingress), its node port, its ready endpoints, session affinity (with <c>sessionAffinityConfig.clientIP.timeoutSeconds</c>,
/// 10800 by default) and traffic policies.
/// </summary>
public sealed record ServiceRoute(string Namespace, string Name, int Port, string Protocol, int NodePort, IReadOnlyList<RouteEndpoint> Endpoints,
    bool ClientIpAffinity, bool InternalLocal, bool ExternalLocal, int AffinityTimeoutSeconds = 10800);

/// <summary>An answer: code, answer records, additional records (addresses of SRV targets), and whether the cluster zone is authoritative for it.</summary>
public sealed record DnsAnswer(DnsResponseCode Code, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Additional, bool Authoritative)
{
    /// <summary>True when the name exists but has no record of the type asked (NOERROR with an empty answer).</summary>
    public bool NoData => Code == DnsResponseCode.NoError && Answers.Count == 0;
}

/// <summary>
/// The cluster's DNS records at one moment, as CoreDNS's kubernetes plugin serves them with kubeadm's Corefile
/// (<c>kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; ttl 30 }</c>): immutable, built from the Services
/// and EndpointSlices, and safe to read from any thread.
/// <list type="bullet">
/// <item><c>&lt;svc&gt;.&lt;ns&gt;.svc.cluster.local</c>: A/AAAA of the cluster IPs; headless: one per ready endpoint; ExternalName: CNAME.</item>
/// <item><c>_&lt;port&gt;._&lt;proto&gt;.&lt;svc&gt;.&lt;ns&gt;.svc.cluster.local</c>: SRV per named port (per ready endpoint when headless), targets' addresses as additional records.</item>
/// <item><c>&lt;hostname&gt;.&lt;svc&gt;.&lt;ns&gt;.svc.cluster.local</c>: a headless Service's endpoint (its hostname, else its dashed IP).</item>
/// <item><c>a-b-c-d.&lt;ns&gt;.pod.cluster.local</c>: A a.b.c.d (<c>pods insecure</c>: not checked against pods).</item>
/// <item>PTR for cluster IPs and headless endpoint addresses.</item>
/// </list>
/// A name that exists without records of the type asked answers NOERROR with no record (NODATA); a name that does not
/// exist, NXDOMAIN; both carry the zone's SOA in the authority section.
/// </summary>
public sealed class ClusterDnsZone
{
    /// <summary>The cluster domain.</summary>
    public const string Domain = "cluster.local";

    /// <summary>The TTL of every record (kubeadm's Corefile sets <c>ttl 30</c>; the plugin's own default is 5).</summary>
    public const int Ttl = 30;

    /// <summary>An empty zone (before the first sync).</summary>
    public static readonly ClusterDnsZone Empty = new(new Dictionary<string, List<DnsRecord>>(), new HashSet<string>(), new Dictionary<string, List<ServiceLink>>(), 0)
    {
        Routes = new Dictionary<(string, int), ServiceRoute>(),
        NodePorts = new Dictionary<int, ServiceRoute>(),
    };

    private readonly Dictionary<string, List<DnsRecord>> _records;
    private readonly HashSet<string> _names;
    private readonly Dictionary<string, List<ServiceLink>> _links;

    private ClusterDnsZone(Dictionary<string, List<DnsRecord>> records, HashSet<string> names, Dictionary<string, List<ServiceLink>> links, uint serial)
    {
        _records = records;
        _names = names;
        _links = links;
        Serial = serial;
    }

    /// <summary>The Service ports by the address and port they are reached at (cluster IPs, external IPs, load-balancer ingress IPs).</summary>
    public IReadOnlyDictionary<(string Ip, int Port), ServiceRoute> Routes { get; private init; } = null!;

    /// <summary>The Service ports by node port (NodePort and LoadBalancer Services).</summary>
    public IReadOnlyDictionary<int, ServiceRoute> NodePorts { get; private init; } = null!;

    /// <summary>
    /// The endpoints traffic under policy Cluster goes to, per Service port (the same on every node, so computed once
    /// per zone and shared by the nodes' proxies).
    /// </summary>
    internal IReadOnlyList<RouteEndpoint> ClusterEndpoints(ServiceRoute route) =>
        _clusterEndpoints.GetValue(route, r => [.. EndpointCategories.Cluster(r.Endpoints)]);

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<ServiceRoute, IReadOnlyList<RouteEndpoint>> _clusterEndpoints = new();

    /// <summary>The Services of <paramref name="ns"/> with a cluster IP (not headless, not ExternalName), by name.</summary>
    public IReadOnlyList<ServiceLink> ServiceLinks(string ns) => _links.GetValueOrDefault(ns) ?? [];

    /// <summary>Increases with every zone built in the process: a later build has a higher version.</summary>
    public long Version { get; } = Interlocked.Increment(ref s_versions);

    private static long s_versions;

    /// <summary>The SOA serial: the time (Unix seconds) of the last change.</summary>
    public uint Serial { get; }

    /// <summary>Number of names with records.</summary>
    public int NameCount => _records.Count;

    /// <summary>The zone's SOA record (CoreDNS's: <c>ns.dns.cluster.local. hostmaster.cluster.local.</c>, refresh 7200, retry 1800, expire 86400, minimum = TTL).</summary>
    public DnsRecord Soa(string zone = Domain) => new(zone, DnsRecordType.SOA, Ttl, $"ns.dns.{Domain} hostmaster.{Domain}");

    /// <summary>Builds the zone from Services and EndpointSlices (as an informer holds them), at serial <paramref name="serial"/>.</summary>
    public static ClusterDnsZone Build(IEnumerable<KubeObject> services, IEnumerable<KubeObject> slices, uint serial, string dnsServiceIp = "10.96.0.10")
    {
        var records = new Dictionary<string, List<DnsRecord>>(StringComparer.Ordinal);
        var links = new Dictionary<string, List<ServiceLink>>(StringComparer.Ordinal);
        var routes = new Dictionary<(string, int), ServiceRoute>();
        var nodePorts = new Dictionary<int, ServiceRoute>();
        var names = new HashSet<string>(StringComparer.Ordinal) { Domain, "svc." + Domain, "pod." + Domain, "dns." + Domain };
        void Add(DnsRecord record)
        {
            if (!records.TryGetValue(record.Name, out var list))
            {
                records[record.Name] = list = [];
                // Every ancestor inside the zone exists (an empty non-terminal answers NODATA, not NXDOMAIN).
                var name = record.Name;
                while (name.IndexOf('.') is var dot && dot > 0 && name.Length > Domain.Length)
                {
                    names.Add(name);
                    name = name[(dot + 1)..];
                }
            }
            list.Add(record);
        }
        Add(new DnsRecord("ns.dns." + Domain, DnsRecordType.A, Ttl, dnsServiceIp));
        var slicesByService = slices
            .Where(s => s.Labels.ContainsKey("kubernetes.io/service-name"))
            .GroupBy(s => (s.Namespace ?? "", s.Labels["kubernetes.io/service-name"]))
            .ToDictionary(g => g.Key, g => g.ToList());
        foreach (var service in services)
        {
            var ns = service.Namespace ?? "default";
            var name = service.Name ?? "";
            names.Add($"{ns}.svc.{Domain}");
            names.Add($"{ns}.pod.{Domain}");
            var fqdn = $"{name}.{ns}.svc.{Domain}";
            var spec = service.Document["spec"] as JsonObject;
            var type = JsonTree.GetString(spec, "type") ?? "ClusterIP";
            if (type == "ExternalName")
            {
                if (JsonTree.GetString(spec, "externalName") is { Length: > 0 } external)
                {
                    Add(new DnsRecord(fqdn, DnsRecordType.CNAME, Ttl, external.TrimEnd('.')));
                }
                continue;
            }
            names.Add(fqdn);
            var ports = JsonTree.Objects(JsonTree.GetArray(spec, "ports"))
                .Select(p => (Name: JsonTree.GetString(p, "name") ?? "", Protocol: (JsonTree.GetString(p, "protocol") ?? "TCP").ToLowerInvariant(), Port: (int)(JsonTree.GetInt(p, "port") ?? 0)))
                .ToList();
            var clusterIp = JsonTree.GetString(spec, "clusterIP");
            if (clusterIp is { Length: > 0 } && clusterIp != "None")
            {
                var ips = JsonTree.GetArray(spec, "clusterIPs")?.Select(JsonTree.AsString).OfType<string>().ToList() ?? [clusterIp];
                if (!links.TryGetValue(ns, out var namespaceLinks))
                {
                    links[ns] = namespaceLinks = [];
                }
                namespaceLinks.Add(new ServiceLink(name, clusterIp, ports.Select(p => (p.Name, p.Port, p.Protocol.ToUpperInvariant())).ToList()));
                AddRoutes(service, ips, slicesByService.GetValueOrDefault((ns, name)) ?? [], routes, nodePorts);
                foreach (var ip in ips.Where(i => IPAddress.TryParse(i, out _)))
                {
                    Add(new DnsRecord(fqdn, Family(ip), Ttl, ip));
                    Add(new DnsRecord(ReverseName(ip), DnsRecordType.PTR, Ttl, fqdn));
                }
                foreach (var port in ports)
                {
                    // A bare-name SRV query lists every port; the _port._proto form only named ones.
                    Add(new DnsRecord(fqdn, DnsRecordType.SRV, Ttl, fqdn, 0, 100, port.Port));
                    if (port.Name.Length > 0)
                    {
                        Add(new DnsRecord($"_{port.Name}._{port.Protocol}.{fqdn}", DnsRecordType.SRV, Ttl, fqdn, 0, 100, port.Port));
                    }
                }
                continue;
            }
            // Headless: the ready endpoints themselves.
            var endpoints = new List<(string Ip, string Host)>();
            var slicePorts = new List<(string Name, string Protocol, int Port)>();
            foreach (var slice in slicesByService.GetValueOrDefault((ns, name)) ?? [])
            {
                foreach (var port in JsonTree.Objects(slice.Document["ports"] as JsonArray))
                {
                    var entry = (JsonTree.GetString(port, "name") ?? "", (JsonTree.GetString(port, "protocol") ?? "TCP").ToLowerInvariant(), (int)(JsonTree.GetInt(port, "port") ?? 0));
                    if (!slicePorts.Contains(entry))
                    {
                        slicePorts.Add(entry);
                    }
                }
                foreach (var endpoint in JsonTree.Objects(slice.Document["endpoints"] as JsonArray))
                {
                    if (JsonTree.GetBool(endpoint, "conditions", "ready") == false)
                    {
                        continue;
                    }
                    foreach (var ip in (endpoint["addresses"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>() ?? [])
                    {
                        if (IPAddress.TryParse(ip, out _) && !endpoints.Any(e => e.Ip == ip))
                        {
                            endpoints.Add((ip, JsonTree.GetString(endpoint, "hostname") ?? Dashed(ip)));
                        }
                    }
                }
            }
            if (slicePorts.Count == 0)
            {
                slicePorts.AddRange(ports);
            }
            var weight = endpoints.Count == 0 ? 100 : 100 / endpoints.Count;
            foreach (var (ip, host) in endpoints)
            {
                var endpointName = $"{host}.{fqdn}";
                Add(new DnsRecord(fqdn, Family(ip), Ttl, ip));
                Add(new DnsRecord(endpointName, Family(ip), Ttl, ip));
                Add(new DnsRecord(ReverseName(ip), DnsRecordType.PTR, Ttl, endpointName));
                foreach (var port in slicePorts)
                {
                    Add(new DnsRecord(fqdn, DnsRecordType.SRV, Ttl, endpointName, 0, weight, port.Port));
                    if (port.Name.Length > 0)
                    {
                        Add(new DnsRecord($"_{port.Name}._{port.Protocol}.{fqdn}", DnsRecordType.SRV, Ttl, endpointName, 0, weight, port.Port));
                    }
                }
            }
        }
        foreach (var list in links.Values)
        {
            list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }
        return new ClusterDnsZone(records, names, links, serial) { Routes = routes, NodePorts = nodePorts };
    }

    /// <summary>kube-proxy's rules for one Service: each port, at every address it is reached at, to its ready endpoints.</summary>
    private static void AddRoutes(KubeObject service, List<string> clusterIps, List<KubeObject> slices, Dictionary<(string, int), ServiceRoute> routes, Dictionary<int, ServiceRoute> nodePorts)
    {
        var spec = (JsonObject)service.Document["spec"]!;
        var addresses = new List<string>(clusterIps);
        addresses.AddRange((spec["externalIPs"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>() ?? []);
        addresses.AddRange(JsonTree.Objects(JsonTree.GetArray(service.Document, "status", "loadBalancer", "ingress")).Select(i => JsonTree.GetString(i, "ip")).OfType<string>());
        var affinity = JsonTree.GetString(spec, "sessionAffinity") == "ClientIP";
        var affinityTimeout = (int)(JsonTree.GetInt(spec, "sessionAffinityConfig", "clientIP", "timeoutSeconds") ?? 10800);
        var internalLocal = JsonTree.GetString(spec, "internalTrafficPolicy") == "Local";
        var externalLocal = JsonTree.GetString(spec, "externalTrafficPolicy") == "Local";
        foreach (var port in JsonTree.Objects(JsonTree.GetArray(spec, "ports")))
        {
            var portName = JsonTree.GetString(port, "name") ?? "";
            var protocol = JsonTree.GetString(port, "protocol") ?? "TCP";
            var endpoints = new List<RouteEndpoint>();
            foreach (var slice in slices)
            {
                var slicePort = JsonTree.Objects(slice.Document["ports"] as JsonArray)
                    .FirstOrDefault(p => (JsonTree.GetString(p, "name") ?? "") == portName && (JsonTree.GetString(p, "protocol") ?? "TCP") == protocol);
                if (slicePort is null || JsonTree.GetInt(slicePort, "port") is not { } target)
                {
                    continue;
                }
                foreach (var endpoint in JsonTree.Objects(slice.Document["endpoints"] as JsonArray))
                {
                    // The EndpointSlice API: ready unset is ready, serving unset is ready's value, terminating unset is false.
                    var ready = JsonTree.GetBool(endpoint, "conditions", "ready") != false;
                    var serving = JsonTree.GetBool(endpoint, "conditions", "serving") ?? ready;
                    var terminating = JsonTree.GetBool(endpoint, "conditions", "terminating") == true;
                    if (!ready && !(serving && terminating))
                    {
                        continue;
                    }
                    var node = JsonTree.GetString(endpoint, "nodeName");
                    var hints = string.Join(',', JsonTree.Objects(JsonTree.GetArray(endpoint, "hints", "forZones")).Select(z => JsonTree.GetString(z, "name")).OfType<string>());
                    foreach (var ip in (endpoint["addresses"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>() ?? [])
                    {
                        endpoints.Add(new RouteEndpoint(ip, (int)target, node, ready, serving, terminating, hints));
                    }
                }
            }
            var route = new ServiceRoute(service.Namespace ?? "default", service.Name ?? "", (int)(JsonTree.GetInt(port, "port") ?? 0), protocol,
                (int)(JsonTree.GetInt(port, "nodePort") ?? 0), endpoints, affinity, internalLocal, externalLocal, affinityTimeout);
            foreach (var address in addresses)
            {
                routes[(address, route.Port)] = route;
            }
            if (route.NodePort > 0)
            {
                nodePorts[route.NodePort] = route;
            }
        }
    }

    /// <summary>Answers a query for <paramref name="name"/> (absolute, with or without the final dot; any case) of <paramref name="type"/>.</summary>
    public DnsAnswer Resolve(string name, DnsRecordType type)
    {
        var key = name.TrimEnd('.').ToLowerInvariant();
        var inCluster = key == Domain || key.EndsWith("." + Domain, StringComparison.Ordinal);
        var reverse = key.EndsWith(".in-addr.arpa", StringComparison.Ordinal) || key.EndsWith(".ip6.arpa", StringComparison.Ordinal);
        if (!inCluster && !reverse)
        {
            // Outside the cluster domain CoreDNS forwards to the node's resolvers; the emulated cluster has none.
            return new DnsAnswer(DnsResponseCode.ServerFailure, [], [], false);
        }
        if (key == Domain && type is DnsRecordType.SOA or DnsRecordType.NS or DnsRecordType.ANY)
        {
            var apex = type == DnsRecordType.NS
                ? new DnsRecord(Domain, DnsRecordType.NS, Ttl, $"ns.dns.{Domain}")
                : Soa();
            return new DnsAnswer(DnsResponseCode.NoError, [apex], type == DnsRecordType.NS ? Records($"ns.dns.{Domain}") : [], true);
        }
        if (PodAddress(key) is { } podIp)
        {
            return type is DnsRecordType.A or DnsRecordType.ANY
                ? new DnsAnswer(DnsResponseCode.NoError, [new DnsRecord(key, DnsRecordType.A, Ttl, podIp)], [], true)
                : new DnsAnswer(DnsResponseCode.NoError, [], [], true);
        }
        if (!_records.TryGetValue(key, out var all))
        {
            return new DnsAnswer(_names.Contains(key) ? DnsResponseCode.NoError : DnsResponseCode.NxDomain, [], [], true);
        }
        // An alias answers every type with its CNAME.
        var matching = all.Where(r => r.Type == type || type == DnsRecordType.ANY || r.Type == DnsRecordType.CNAME).ToList();
        var additional = new List<DnsRecord>();
        if (type == DnsRecordType.SRV)
        {
            foreach (var target in matching.Select(r => r.Data).Distinct(StringComparer.Ordinal))
            {
                additional.AddRange(Records(target).Where(r => r.Type is DnsRecordType.A or DnsRecordType.AAAA));
            }
            // One SRV per distinct target and port.
            matching = matching.DistinctBy(r => (r.Data, r.Port)).ToList();
        }
        else if (type is DnsRecordType.A or DnsRecordType.AAAA)
        {
            matching = matching.DistinctBy(r => (r.Type, r.Data)).ToList();
        }
        return new DnsAnswer(DnsResponseCode.NoError, matching, additional, true);
    }

    private List<DnsRecord> Records(string name) => _records.GetValueOrDefault(name) ?? [];

    /// <summary><c>a-b-c-d.&lt;ns&gt;.pod.cluster.local</c> → a.b.c.d, or null.</summary>
    private static string? PodAddress(string key)
    {
        var labels = key.Split('.');
        if (labels.Length != 5 || labels[2] != "pod" || $"{labels[3]}.{labels[4]}" != Domain)
        {
            return null;
        }
        var ip = labels[0].Replace('-', '.');
        return IPAddress.TryParse(ip, out var address) && address.AddressFamily == AddressFamily.InterNetwork && ip.Count(c => c == '.') == 3 ? ip : null;
    }

    private static DnsRecordType Family(string ip) =>
        IPAddress.Parse(ip).AddressFamily == AddressFamily.InterNetworkV6 ? DnsRecordType.AAAA : DnsRecordType.A;

    /// <summary>An address with dashes for dots (or colons), as CoreDNS names endpoints without a hostname.</summary>
    public static string Dashed(string ip) => ip.Replace('.', '-').Replace(':', '-');

    /// <summary>The reverse-lookup name of an address (<c>4.3.2.1.in-addr.arpa</c>, nibbles for IPv6).</summary>
    public static string ReverseName(string ip)
    {
        var address = IPAddress.Parse(ip);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Join('.', ip.Split('.').Reverse()) + ".in-addr.arpa";
        }
        var nibbles = address.GetAddressBytes().SelectMany(b => new[] { b >> 4, b & 0xF }).Reverse().Select(n => n.ToString("x", CultureInfo.InvariantCulture));
        return string.Join('.', nibbles) + ".ip6.arpa";
    }
}
