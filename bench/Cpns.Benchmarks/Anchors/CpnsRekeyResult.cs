namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// One measured Cpns rekey: N members over P PNs under one broadcast scheme. CPU times are medians in
/// nanoseconds of process CPU per rekey; bytes are encoded envelopes.
/// </summary>
internal sealed record CpnsRekeyResult(
    int Members,
    int Pns,
    string Scheme,
    int GatewaysNotified,
    double ServerCpuNs,
    double GatewaysCpuNs,
    double MemberCpuNs,
    int NotificationBytesTotal,
    int BroadcastBytesTotal,
    int BytesPerMember,
    int HeaderEntries,
    bool EveryMemberChecked)
{
    /// <summary>CPU to produce the rekey: the server's notifications and every gateway's broadcast.</summary>
    public double ProduceCpuNs => ServerCpuNs + GatewaysCpuNs;

    /// <summary>Produce plus one member's processing, the figure compared with MLS.</summary>
    public double TotalCpuNs => ProduceCpuNs + MemberCpuNs;
}
