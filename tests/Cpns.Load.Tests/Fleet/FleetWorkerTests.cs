using System.Text;
using Cpns.Load.Fleet.Workers;

namespace Cpns.Load.Tests.Fleet;

/// <summary>The worker's side of the protocol, in this process (no server needed for what it refuses).</summary>
public sealed class FleetWorkerTests
{
    [Fact]
    public async Task RunAsync_EndOfInput_SaysHelloAndExitsZero()
    {
        var (code, output, error) = await RunAsync("");

        Assert.Equal(0, code);
        var hello = Assert.IsType<HelloEvent>(FleetProtocol.ReadEvent(Assert.Single(output)));
        Assert.Equal(Environment.ProcessId, hello.ProcessId);
        Assert.Equal(System.Diagnostics.Stopwatch.Frequency, hello.Frequency);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("{\"type\":\"usage\",\"id\":1", "malformed line")]
    [InlineData("{\"type\":\"usage\",\"id\":1}", "UsageCommand before init")]
    [InlineData("{\"type\":\"init\",\"server\":\"http://127.0.0.1:1/\",\"apiKey\":\"k\",\"directory\":\"/nonexistent\",\"treeHeight\":4}\n{\"type\":\"init\",\"server\":\"http://127.0.0.1:1/\",\"apiKey\":\"k\",\"directory\":\"/nonexistent\",\"treeHeight\":4}", "line 2: a second init")]
    [InlineData("{\"type\":\"init\",\"server\":\"http://127.0.0.1:1/\",\"apiKey\":\"k\",\"directory\":\"/nonexistent\",\"treeHeight\":4}\n{\"type\":\"grow\",\"id\":1,\"gateways\":[],\"pnesPerGateway\":1,\"parallelism\":1}", "line 2: grow needs at least one gateway")]
    public async Task RunAsync_LineNotACommand_ExitsTwoAndSaysWhichLine(string input, string expected)
    {
        var (code, _, error) = await RunAsync(input + "\n");

        Assert.Equal(2, code);
        Assert.StartsWith("cpns bench fleet-worker: standard input, line ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InitThenUsage_AnswersWithThisProcessAndNoGateways()
    {
        var (code, output, _) = await RunAsync("{\"type\":\"init\",\"server\":\"http://127.0.0.1:1/\",\"apiKey\":\"k\",\"directory\":\"/nonexistent\",\"treeHeight\":4}\n{\"type\":\"usage\",\"id\":5}\n");

        Assert.Equal(0, code);
        Assert.Equal(2, output.Count);
        var usage = Assert.IsType<UsageEvent>(FleetProtocol.ReadEvent(output[1]));
        Assert.Equal(5, usage.Id);
        Assert.Equal((Environment.ProcessId, 0, 0), (usage.Usage.ProcessId, usage.Usage.Gateways, usage.Usage.Pnes));
        Assert.True(usage.Usage.CpuSeconds > 0 && usage.Usage.Handles > 0);
        Assert.Equal(0, usage.Health.Errors);
    }

    private static async Task<(int Code, List<string> Output, string Error)> RunAsync(string input)
    {
        using var output = new MemoryStream();
        using var error = new StringWriter();
        var code = await FleetWorker.RunAsync(new StringReader(input), output, error, TestContext.Current.CancellationToken);
        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        return (code, lines, error.ToString());
    }
}
