// The diffusion suite (issue 22): the norm calls of diffusion UNets and VAEs as their engines
// make them. GroupNorm with 32 groups is followed by SiLU in every ResNet block (the fused
// form, GroupNormArgs::activation); the attention blocks' GroupNorm and the VAE's last one
// before conv_out are plain. UNets run batch 2 (classifier-free guidance); VAEs decode one
// image. compare_torch.py --suite diffusion times PyTorch's unfused composition on the same list.
#include "cases.h"

namespace vknorm_bench {

std::vector<BenchCase> diffusion_suite() {
  using vknorm::Activation;
  using vknorm::DType;
  std::vector<BenchCase> s;
  ModelCases d{&s, "dif"};
  const DType f32 = DType::f32, f16 = DType::f16, bf16 = DType::bf16;
  auto gn = [&](const char* model, const char* slug, DType dt, std::vector<int64_t> shape, double eps,
                Activation act) {
    BenchCase& c = d.add(model, slug, act == Activation::silu ? "gn32silu" : "gn32", "group_norm", dt,
                         std::move(shape), eps);
    c.groups = 32;
    c.activation = act;
  };
  const Activation silu = Activation::silu, none = Activation::none;
  // SD 1.5 UNet at 512 x 512 (latents 64 x 64): the four resolution levels.
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 320, 64, 64}, 1e-5, silu);
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 640, 32, 32}, 1e-5, silu);
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 960, 32, 32}, 1e-5, silu);  // decoder: skip concat
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 1280, 16, 16}, 1e-5, silu);
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 1280, 8, 8}, 1e-5, silu);
  gn("SD1.5 UNet", "sd15_unet", f16, {2, 320, 64, 64}, 1e-6, none);  // attention block's norm
  // SDXL UNet at 1024 x 1024 (latents 128 x 128).
  gn("SDXL UNet", "sdxl_unet", f16, {2, 320, 128, 128}, 1e-5, silu);
  gn("SDXL UNet", "sdxl_unet", bf16, {2, 640, 64, 64}, 1e-5, silu);
  gn("SDXL UNet", "sdxl_unet", bf16, {2, 1280, 32, 32}, 1e-5, silu);
  gn("SDXL UNet", "sdxl_unet", f16, {2, 1920, 64, 64}, 1e-5, silu);  // decoder: skip concat
  // The SD / SDXL VAE decoder at 512 x 512 and 1024 x 1024 output.
  gn("SD VAE", "sd_vae", f16, {1, 512, 64, 64}, 1e-6, silu);
  gn("SD VAE", "sd_vae", f16, {1, 512, 128, 128}, 1e-6, silu);
  gn("SD VAE", "sd_vae", bf16, {1, 512, 256, 256}, 1e-6, silu);
  gn("SD VAE", "sd_vae", f16, {1, 256, 512, 512}, 1e-6, silu);
  gn("SDXL VAE", "sdxl_vae", f32, {1, 128, 1024, 1024}, 1e-6, silu);
  gn("SD VAE", "sd_vae", f16, {1, 128, 512, 512}, 1e-6, none);  // norm_out before conv_out's SiLU
  // A 3D VAE (video): GroupNorm over (C, T, H, W) per group.
  gn("CogVideoX VAE", "cogvideox_vae", bf16, {1, 128, 13, 60, 90}, 1e-6, silu);
  // The same GroupNorms channels last (GroupNormArgs::channels_last, op case group_norm_nhwc):
  // shapes (N, H, W, C), as engines that keep NHWC activations (many VAE decoders, UNets compiled
  // for tensor cores) call them; torch times F.group_norm on x in channels_last memory format.
  auto gn_nhwc = [&](const char* model, const char* slug, DType dt, std::vector<int64_t> shape, double eps,
                     Activation act) {
    BenchCase& c = d.add(model, slug, act == Activation::silu ? "gn32silu_nhwc" : "gn32_nhwc", "group_norm_nhwc", dt,
                         std::move(shape), eps);
    c.groups = 32;
    c.activation = act;
  };
  gn_nhwc("SD1.5 UNet", "sd15_unet", f16, {2, 64, 64, 320}, 1e-5, silu);
  gn_nhwc("SD1.5 UNet", "sd15_unet", f16, {2, 32, 32, 640}, 1e-5, silu);
  gn_nhwc("SD1.5 UNet", "sd15_unet", bf16, {2, 16, 16, 1280}, 1e-5, silu);
  gn_nhwc("SD1.5 UNet", "sd15_unet", f16, {2, 64, 64, 320}, 1e-6, none);  // attention block's norm
  gn_nhwc("SDXL UNet", "sdxl_unet", f16, {2, 128, 128, 320}, 1e-5, silu);
  gn_nhwc("SDXL UNet", "sdxl_unet", bf16, {2, 64, 64, 640}, 1e-5, silu);
  gn_nhwc("SDXL UNet", "sdxl_unet", bf16, {2, 32, 32, 1280}, 1e-6, none);
  gn_nhwc("SD VAE", "sd_vae", f16, {1, 64, 64, 512}, 1e-6, silu);
  gn_nhwc("SD VAE", "sd_vae", f16, {1, 128, 128, 512}, 1e-6, silu);
  gn_nhwc("SD VAE", "sd_vae", bf16, {1, 256, 256, 512}, 1e-6, silu);
  gn_nhwc("SD VAE", "sd_vae", f16, {1, 512, 512, 256}, 1e-6, silu);
  gn_nhwc("SD VAE", "sd_vae", bf16, {1, 512, 512, 128}, 1e-6, none);  // norm_out before conv_out's SiLU
  gn_nhwc("SDXL VAE", "sdxl_vae", bf16, {1, 1024, 1024, 128}, 1e-6, silu);
  // DiT blocks (adaLN-Zero): y = norm(x) * (1 + scale) + shift before attention / MLP, and the
  // gated residual h = residual + gate * branch fused with the next norm. LayerNorm without
  // affine, eps 1e-6, modulation per sample; tokens of a 1024 x 1024 image (256 for DiT-XL at
  // 256 x 256), batch 2 with classifier-free guidance where the engine batches it.
  auto dit = [&](const char* model, const char* slug, const char* tag, const char* op, DType dt,
                 std::vector<int64_t> shape) {
    d.add(model, slug, tag, op, dt, std::move(shape), 1e-6).affine = false;
  };
  dit("DiT-XL/2", "dit_xl", "adaln", "ada_layer_norm", f16, {2, 256, 1152});
  dit("PixArt-alpha", "pixart_alpha", "adaln", "ada_layer_norm", f16, {2, 4096, 1152});
  dit("PixArt-alpha", "pixart_alpha", "gated_adaln", "gated_ada_layer_norm", f16, {2, 4096, 1152});
  dit("SD3 medium", "sd3_medium", "adaln", "ada_layer_norm", bf16, {2, 4096, 1536});
  dit("SD3 medium", "sd3_medium", "gated_adaln", "gated_ada_layer_norm", bf16, {2, 4096, 1536});
  dit("Flux.1", "flux1", "adaln", "ada_layer_norm", bf16, {1, 4096, 3072});
  dit("Flux.1", "flux1", "adaln", "ada_layer_norm", bf16, {1, 512, 3072});  // text stream
  dit("Flux.1", "flux1", "gated_adaln", "gated_ada_layer_norm", bf16, {1, 4096, 3072});
  dit("Wan2.1 1.3B", "wan21_13b", "gated_adaln", "gated_ada_layer_norm", bf16, {1, 32760, 1536});
  dit("Wan2.1 14B", "wan21_14b", "adaln", "ada_layer_norm", bf16, {1, 32760, 5120});
  // RMSNorm-based adaptive norms (Lumina-style), the same modulation.
  dit("Lumina-like", "lumina", "adarms", "ada_rms_norm", bf16, {2, 4096, 2304});
  dit("Lumina-like", "lumina", "gated_adarms", "gated_ada_rms_norm", bf16, {2, 4096, 2304});
  // Quantized y for an fp8 / int8 linear after the norm (issue 22): Flux.1's adaLN with float8
  // e4m3fn codes and a per-token dynamic scale, its gated form with a static scale, and an
  // int8 PixArt-alpha adaLN. torch: the fp32 modulated value, then the codes (torch_sweep.py).
  dit("Flux.1", "flux1", "adaln_fp8", "ada_layer_norm_fp8", bf16, {1, 4096, 3072});
  dit("Flux.1", "flux1", "gated_adaln_fp8", "gated_ada_layer_norm_fp8", bf16, {1, 4096, 3072});
  dit("PixArt-alpha", "pixart_alpha", "adaln_q8", "ada_layer_norm_q8", f16, {2, 4096, 1152});
  return s;
}

}  // namespace vknorm_bench
