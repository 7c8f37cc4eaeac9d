// Nova's self/bookmark links.
export function links(baseUrl: string, collection: string, id: string) {
  return [
    { rel: 'self', href: `${baseUrl}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${baseUrl}/${collection}/${id}` },
  ];
}
