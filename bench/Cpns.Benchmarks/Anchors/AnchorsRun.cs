using System.Text.Json;
using Cpns.Crypto;

namespace Cpns.Benchmarks.Anchors;

/// <summary>
/// `Cpns.Benchmarks anchors &lt;out.json&gt; [sizes]`: measures the Cpns rekey after one member leaves for
/// N = 64, 256, 1,024, 4,096 members over 1, N/16 and N PNs, with Subset Difference (the product) and the
/// Direct per-member wrap, and writes the results as JSON for the report step.
/// </summary>
internal static class AnchorsRun
{
    public static readonly int[] DefaultSizes = [64, 256, 1024, 4096];

    public static int Run(string[] args)
    {
        if (args.Length is < 1 or > 2)
        {
            Console.Error.WriteLine("usage: Cpns.Benchmarks anchors <out.json> [64,256,1024,4096]");
            return 2;
        }

        var sizes = args.Length == 2 ? [.. args[1].Split(',').Select(int.Parse)] : DefaultSizes;
        // Warm-up, discarded: the first configuration measured would otherwise include tiered JIT compilation.
        foreach (var scheme in new[] { BroadcastScheme.SubsetDifference, BroadcastScheme.Direct })
        {
            _ = Measure(64, 4, scheme);
        }

        var results = new List<CpnsRekeyResult>();
        foreach (var n in sizes)
        {
            foreach (var pns in PnCounts(n))
            {
                foreach (var scheme in new[] { BroadcastScheme.SubsetDifference, BroadcastScheme.Direct })
                {
                    var result = Measure(n, pns, scheme);
                    Console.WriteLine(JsonSerializer.Serialize(result));
                    results.Add(result);
                }
            }
        }

        File.WriteAllText(args[0], JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>1, N/16 and N PNs.</summary>
    public static int[] PnCounts(int members) => [.. new[] { 1, Math.Max(1, members / 16), members }.Distinct()];

    public static CpnsRekeyResult Measure(int members, int pns, BroadcastScheme scheme, bool measure = true)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        using var rekey = new CpnsRekey(members, pns, scheme);
        var verified = rekey.VerifyEveryMember();
        if (!verified)
        {
            throw new InvalidOperationException($"Cpns rekey at N = {members}, P = {pns}, {scheme.Id}: a member did not get the new key, or the removed one did.");
        }

        var groupKey = new byte[32];
        var memberKey = new byte[32];
        var notifications = rekey.ServerRekey(groupKey);
        var broadcasts = new byte[notifications.Length][];
        for (var g = 0; g < notifications.Length; g++)
        {
            broadcasts[g] = rekey.GatewayBroadcast(g, notifications[g]);
        }

        var measured = broadcasts[rekey.MeasuredGateway];
        if (rekey.MemberDecrypt(measured, memberKey) != BroadcastDecryptStatus.Success || !memberKey.AsSpan().SequenceEqual(groupKey))
        {
            throw new InvalidOperationException("The measured member did not open the broadcast.");
        }

        var entries = Cpns.Protocol.EnvelopeCodec.Decode(measured).GroupKeyBroadcast.Header.Span;
        _ = BroadcastHeader.TryReadCount(entries, out var headerEntries);
        double server = 0, gateways = 0, member = 0;
        if (measure)
        {
            server = CpuMeasure.MedianNs(() => rekey.ServerRekey(groupKey));
            gateways = CpuMeasure.MedianNs(() =>
            {
                for (var g = 0; g < notifications.Length; g++)
                {
                    rekey.GatewayBroadcast(g, notifications[g]);
                }
            });
            member = CpuMeasure.MedianNs(() => rekey.MemberDecrypt(measured, memberKey));
        }

        return new CpnsRekeyResult(
            members,
            pns,
            scheme.Id.ToString(),
            rekey.GatewaysNotified,
            server,
            gateways,
            member,
            notifications.Sum(n => n.Length),
            broadcasts.Sum(b => b.Length),
            measured.Length,
            headerEntries,
            verified);
    }
}
