using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Emulator.Node.Network.Dns;

/// <summary>Turns a DNS query message into the cluster DNS's response (ARSoft.Tools.Net's message types on the wire).</summary>
public static class DnsWire
{
    /// <summary>
    /// The response to <paramref name="query"/> from <paramref name="zone"/>: one question per query (more, or none, is
    /// FORMERR), authoritative inside the cluster zone, recursion not available (as CoreDNS answers), the zone's SOA in
    /// the authority section of NXDOMAIN and NODATA answers.
    /// </summary>
    public static DnsMessage Answer(DnsMessage query, ClusterDnsZone zone)
    {
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = false;
        if (query.OperationCode != OperationCode.Query || query.Questions.Count != 1)
        {
            response.ReturnCode = query.OperationCode != OperationCode.Query ? ReturnCode.NotImplemented : ReturnCode.FormatError;
            return response;
        }
        var question = query.Questions[0];
        if (question.RecordClass is not (RecordClass.INet or RecordClass.Any))
        {
            response.ReturnCode = ReturnCode.Refused;
            return response;
        }
        var type = Enum.IsDefined(typeof(DnsRecordType), (int)question.RecordType) ? (DnsRecordType)(int)question.RecordType : (DnsRecordType)0;
        var answer = zone.Resolve(question.Name.ToString(), type);
        response.ReturnCode = answer.Code switch
        {
            DnsResponseCode.NxDomain => ReturnCode.NxDomain,
            DnsResponseCode.ServerFailure => ReturnCode.ServerFailure,
            _ => ReturnCode.NoError,
        };
        response.IsAuthoritiveAnswer = answer.Authoritative;
        foreach (var record in answer.Answers)
        {
            // The answer names the question as asked (case preserved).
            response.AnswerRecords.Add(ToWire(record, record.Name == question.Name.ToString().TrimEnd('.').ToLowerInvariant() ? question.Name : null));
        }
        foreach (var record in answer.Additional)
        {
            response.AdditionalRecords.Add(ToWire(record, null));
        }
        if (answer.Authoritative && (answer.Code == DnsResponseCode.NxDomain || answer.Answers.Count == 0))
        {
            var zoneName = question.Name.ToString().TrimEnd('.').ToLowerInvariant() is var asked && (asked.EndsWith(".in-addr.arpa", StringComparison.Ordinal) || asked.EndsWith(".ip6.arpa", StringComparison.Ordinal))
                ? (asked.EndsWith(".ip6.arpa", StringComparison.Ordinal) ? "ip6.arpa" : "in-addr.arpa")
                : ClusterDnsZone.Domain;
            response.AuthorityRecords.Add(Soa(zone, zoneName));
        }
        return response;
    }

    private static SoaRecord Soa(ClusterDnsZone zone, string zoneName) => new(
        DomainName.Parse(zoneName), ClusterDnsZone.Ttl, DomainName.Parse($"ns.dns.{ClusterDnsZone.Domain}"), DomainName.Parse($"hostmaster.{ClusterDnsZone.Domain}"),
        zone.Serial, 7200, 1800, 86400, ClusterDnsZone.Ttl);

    private static DnsRecordBase ToWire(DnsRecord record, DomainName? asked)
    {
        var name = asked ?? DomainName.Parse(record.Name);
        return record.Type switch
        {
            DnsRecordType.A => new ARecord(name, record.Ttl, IPAddress.Parse(record.Data)),
            DnsRecordType.AAAA => new AaaaRecord(name, record.Ttl, IPAddress.Parse(record.Data)),
            DnsRecordType.CNAME => new CNameRecord(name, record.Ttl, DomainName.Parse(record.Data)),
            DnsRecordType.PTR => new PtrRecord(name, record.Ttl, DomainName.Parse(record.Data)),
            DnsRecordType.NS => new NsRecord(name, record.Ttl, DomainName.Parse(record.Data)),
            DnsRecordType.SRV => new SrvRecord(name, record.Ttl, (ushort)record.Priority, (ushort)record.Weight, (ushort)record.Port, DomainName.Parse(record.Data)),
            _ => new SoaRecord(name, record.Ttl, DomainName.Parse($"ns.dns.{ClusterDnsZone.Domain}"), DomainName.Parse($"hostmaster.{ClusterDnsZone.Domain}"), 0, 7200, 1800, 86400, ClusterDnsZone.Ttl),
        };
    }
}
