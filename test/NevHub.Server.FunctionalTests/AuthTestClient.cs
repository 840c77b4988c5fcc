using System.Net;
using System.Net.Http.Json;
using NevHub.Server.Api;
using NevHub.Server.Security;

namespace NevHub.Server.FunctionalTests;

/// <summary>A browser-like client: keeps cookies, signs in with user name and password, sends the antiforgery token on writes.</summary>
public sealed class AuthTestClient : IDisposable
{
    private readonly HttpClientHandler _handler = new() { CookieContainer = new CookieContainer(), UseCookies = true };

    public AuthTestClient(TestServer server) => Http = new HttpClient(_handler) { BaseAddress = server.Http.BaseAddress };

    public HttpClient Http { get; }

    public CookieContainer Cookies => _handler.CookieContainer;

    public string? CsrfToken { get; private set; }

    public async Task<HttpResponseMessage> LoginAsync(string userName, string password)
    {
        var response = await Http.PostAsJsonAsync("/api/auth/login", new LoginRequest(userName, password));
        if (response.IsSuccessStatusCode)
        {
            var me = await response.Content.ReadFromJsonAsync<MeView>(TestServer.Json);
            SetCsrf(me!.CsrfToken);
        }

        return response;
    }

    public async Task SignInAsync(string userName, string password)
    {
        var response = await LoginAsync(userName, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void SetCsrf(string? token)
    {
        CsrfToken = token;
        Http.DefaultRequestHeaders.Remove(SecurityServices.AntiforgeryHeader);
        if (token is not null)
        {
            Http.DefaultRequestHeaders.Add(SecurityServices.AntiforgeryHeader, token);
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }
}
