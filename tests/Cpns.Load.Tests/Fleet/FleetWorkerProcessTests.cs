using Cpns.Load.Fleet.Workers;
using Cpns.Load.Server;

namespace Cpns.Load.Tests.Fleet;

/// <summary>
/// The bench process's side of a worker that misbehaves: a stand-in child (sh) that dies, or talks nonsense, fails
/// with a message that names the worker and quotes what it said.
/// </summary>
public sealed class FleetWorkerProcessTests
{
    private static readonly InitCommand Init = new(new Uri("http://127.0.0.1:1/"), "k", "/nonexistent", 4);

    [Fact]
    public async Task StartAsync_WorkerDies_FailsWithItsExitCodeAndStderrTail()
    {
        // "bench fleet-worker" become $0 and $1 of the script.
        var launcher = new ServerLauncher("sh", ["-c", "echo first >&2; echo 'Unhandled exception: boom' >&2; exit 3"]);
        string? fault = null;

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => FleetWorkerProcess.StartAsync(2, launcher, Init, _ => { }, m => fault = m, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Contains("fleet worker 2 (pid ", e.Message, StringComparison.Ordinal);
        Assert.Contains("exited with 3", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("Its standard error ended: first | Unhandled exception: boom", e.Message, StringComparison.Ordinal);
        Assert.Equal(e.Message, fault);
    }

    [Fact]
    public async Task StartAsync_Worker_RunsWithThreadPoolSpinningOff()
    {
        var launcher = new ServerLauncher("sh", ["-c", $"echo \"spin=${FleetWorkerProcess.ThreadPoolSpinLimitVariable}\" >&2; exit 3"]);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => FleetWorkerProcess.StartAsync(1, launcher, Init, _ => { }, _ => { }, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.EndsWith("Its standard error ended: spin=0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WorkerWritesGarbage_FailsWithTheLineQuoted()
    {
        var launcher = new ServerLauncher("sh", ["-c", "echo 'Hello, World'; cat >/dev/null"]);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => FleetWorkerProcess.StartAsync(1, launcher, Init, _ => { }, _ => { }, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Contains("fleet worker 1 (pid ", e.Message, StringComparison.Ordinal);
        Assert.Contains("sent a malformed line: malformed line (", e.Message, StringComparison.Ordinal);
        Assert.Contains("'Hello, World'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_FirstLineNotHello_Refused()
    {
        var launcher = new ServerLauncher("sh", ["-c", "echo '{\"type\":\"progress\",\"steps\":1}'; cat >/dev/null"]);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => FleetWorkerProcess.StartAsync(1, launcher, Init, _ => { }, _ => { }, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Contains("line 1: the first line must be hello", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_HelloFromAnotherClock_Refused()
    {
        var launcher = new ServerLauncher("sh", ["-c", $"echo '{{\"type\":\"hello\",\"processId\":1,\"version\":1,\"frequency\":{System.Diagnostics.Stopwatch.Frequency},\"timestamp\":{long.MaxValue}}}'; cat >/dev/null"]);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => FleetWorkerProcess.StartAsync(1, launcher, Init, _ => { }, _ => { }, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Contains("not the same clock", e.Message, StringComparison.Ordinal);
    }
}
