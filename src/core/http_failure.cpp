#include "core/http_failure.hpp"

#include <cerrno>

namespace booking_events {

namespace {

// The certificate check's verdict in our own words: libcurl's message text
// (and the TLS library's) is never passed on, as the README promises.
std::string describe_verification_failure(const FailedTransfer &transfer) {
    long verdict = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_SSL_VERIFYRESULT, &verdict);
    // OpenSSL's X509_V_ERR_* numbers, stable since OpenSSL 0.9.
    switch (verdict) {
        case 9:
            return "TLS certificate verification failed (certificate not yet valid)";
        case 10:
            return "TLS certificate verification failed (certificate has expired)";
        case 18:
        case 19:
            return "TLS certificate verification failed (self-signed certificate)";
        case 20:
        case 21:
            return "TLS certificate verification failed (unknown certificate authority)";
        case 62:
            return "TLS certificate verification failed (certificate does not match the host)";
        default:
            return "TLS certificate verification failed";
    }
}

}  // namespace

// Short texts built from the outcome alone rather than from libcurl's message,
// which may quote the URL, so credentials and query strings cannot leak into
// logs.
std::string describe_failure(CURLcode code, const FailedTransfer &transfer) {
    long request_bytes_sent = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_REQUEST_SIZE, &request_bytes_sent);
    long os_error = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_OS_ERRNO, &os_error);

    if (transfer.out_of_memory) return "out of memory";
    const std::string limit = std::to_string(transfer.max_response_bytes);
    if (transfer.response_too_large) return "response body larger than " + limit + " bytes";
    if (code == CURLE_FILESIZE_EXCEEDED) {
        // Refused on its Content-Length alone: nothing says the body would
        // really have been that large. Quoted only when it is a plain number.
        const std::string &declared = transfer.declared_length;
        const bool digits = !declared.empty() && declared.size() <= 20 &&
                            declared.find_first_not_of("0123456789") == std::string::npos;
        if (!digits) return "response declared a body over the limit of " + limit + " bytes";
        return "response declared a body of " + declared +
               " bytes (Content-Length), over the limit of " + limit + " bytes";
    }
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
            if (request_bytes_sent == 0 && transfer.connect_timeout_ms < transfer.timeout_ms)
                return "connect timed out after " + std::to_string(transfer.connect_timeout_ms) +
                       " ms";
            return "timed out after " + std::to_string(transfer.timeout_ms) + " ms";
        case CURLE_COULDNT_RESOLVE_HOST:
            return "could not resolve host";
        case CURLE_COULDNT_RESOLVE_PROXY:
            return "could not resolve proxy";
        case CURLE_COULDNT_CONNECT:
            switch (os_error) {
                case ECONNREFUSED:
                    return "connection refused";
                case ENETUNREACH:
                    return "network unreachable";
                case EHOSTUNREACH:
                    return "host unreachable";
                default:
                    return "could not connect";
            }
        case CURLE_UNSUPPORTED_PROTOCOL:
            // Also what libcurl reports for a reply that is not HTTP at all
            // (it refuses HTTP/0.9); only then was the request already sent.
            if (request_bytes_sent > 0) return "invalid HTTP response";
            return "unsupported URL scheme (only http and https are allowed)";
        case CURLE_URL_MALFORMAT:
            return "malformed URL";
        case CURLE_GOT_NOTHING:
            return "connection closed without a response";
        case CURLE_PARTIAL_FILE:
            return "connection closed before the response was complete";
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_BAD_CONTENT_ENCODING:
            return "invalid HTTP response";
        case CURLE_SEND_ERROR:
            return os_error == ECONNRESET || os_error == EPIPE
                       ? "connection reset while sending the request"
                       : "error sending the request";
        case CURLE_RECV_ERROR:
            return os_error == ECONNRESET ? "connection reset while receiving the response"
                                          : "error receiving the response";
        case CURLE_PEER_FAILED_VERIFICATION:
            return describe_verification_failure(transfer);
        case CURLE_SSL_CONNECT_ERROR:
            return "TLS handshake failed";
        case CURLE_SSL_CACERT_BADFILE:
            return "could not load the CA certificate file";
        case CURLE_OUT_OF_MEMORY:
            return "out of memory";
        default:
            // curl_easy_strerror returns fixed texts that never quote the URL.
            return std::string("transfer failed: ") + curl_easy_strerror(code);
    }
}

}  // namespace booking_events
