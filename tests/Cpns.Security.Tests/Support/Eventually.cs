namespace Cpns.Security.Tests.Support;

/// <summary>Polls a condition: the machine may be loaded, so the deadline is generous and the poll short.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeoutSeconds} s waiting for: {what}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, int timeoutSeconds = 30) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeoutSeconds);
}
