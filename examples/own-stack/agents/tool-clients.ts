import { request as httpRequest } from 'node:http'
import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { fetch as undiciFetch, request as undiciRequest } from 'undici'

/**
 * The same two tool calls made with each HTTP client an agent might use, each with the client's own
 * deadline (axios `timeout`, got `timeout.request`, ky `timeout`, an AbortSignal for the rest) and
 * the client's own behaviour on an error status: axios, got and ky throw their own error classes,
 * fetch, node:http and undici hand the status back.
 */

export const clientDeadlineMs = 1_000

export interface ToolRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: unknown
}

export interface ToolResponse {
  status: number
  body: unknown
}

export type ToolClient = (request: ToolRequest) => Promise<ToolResponse>

const jsonHeaders = (request: ToolRequest) => ({ ...request.headers, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) })
const bodyText = (request: ToolRequest) => (request.body === undefined ? undefined : JSON.stringify(request.body))
const parse = (text: string): unknown => (text === '' ? undefined : JSON.parse(text))

export const toolClients: Record<string, ToolClient> = {
  fetch: async (request) => {
    const body = bodyText(request)
    const response = await fetch(request.url, {
      method: request.method,
      headers: jsonHeaders(request),
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(clientDeadlineMs),
    })
    return { status: response.status, body: parse(await response.text()) }
  },
  'node:http': (request) =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(request.url, { method: request.method, headers: jsonHeaders(request), signal: AbortSignal.timeout(clientDeadlineMs) }, (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: parse(text) }))
        response.on('error', reject)
      })
      outgoing.on('error', reject)
      outgoing.end(bodyText(request))
    }),
  axios: async (request) => {
    const response = await axios.request({ method: request.method, url: request.url, headers: jsonHeaders(request), data: request.body, timeout: clientDeadlineMs })
    return { status: response.status, body: response.data }
  },
  got: async (request) => {
    const body = bodyText(request)
    const response = await got(request.url, {
      method: request.method,
      headers: jsonHeaders(request),
      ...(body === undefined ? {} : { body }),
      timeout: { request: clientDeadlineMs },
      // The agent retries itself; got's own retries would hide its calls from the count.
      retry: { limit: 0 },
    })
    return { status: response.statusCode, body: parse(response.body) }
  },
  ky: async (request) => {
    const response = await ky(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { json: request.body }),
      timeout: clientDeadlineMs,
      retry: 0,
    })
    return { status: response.status, body: parse(await response.text()) }
  },
  'undici request': async (request) => {
    const body = bodyText(request)
    const response = await undiciRequest(request.url, {
      method: request.method,
      headers: jsonHeaders(request),
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(clientDeadlineMs),
    })
    return { status: response.statusCode, body: parse(await response.body.text()) }
  },
  'undici fetch': async (request) => {
    const body = bodyText(request)
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: jsonHeaders(request),
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(clientDeadlineMs),
    })
    return { status: response.status, body: parse(await response.text()) }
  },
}
